# Quickstart:  make demo   (synthetic corpus -> train -> evaluate -> transcribe)
#              make test   (the test suite)
#
# The environment is installed from the committed lock only (docs/install.md):
#   uv.lock               the resolution, made by uv; the source of truth
#   requirements/dev.txt  uv's hashed export of it (package + dev extras), which pip installs
# Nothing is resolved at install time, so a new upstream release changes nothing here
# until someone runs `make relock` and commits the result.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements/dev.txt

.PHONY: demo test test-fast venv bench clean lock lock-check relock install-check

# PyPI's Linux torch is the CUDA build: about 3 GB of wheels that unpack to about 5 GB.
# --no-cache-dir keeps pip from storing a second copy of those wheels in ~/.cache/pip,
# which on a small CI disk is the difference between fitting and "No space left on device".
PIP_INSTALL := $(BIN)/python -m pip install --quiet --no-cache-dir
NEEDED_GB   := 9

# --require-hashes --no-deps: exactly the locked files, checked against their hashes.
# The project itself goes in editable, without build isolation: its build backend
# (setuptools, wheel) is in the lock too, so nothing is downloaded unlocked.
$(STAMP): $(LOCK) pyproject.toml setup.py
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "gru_asr needs Python 3.10+"'
	@$(PYTHON) tools/check_disk.py --path . --need-gb $(NEEDED_GB)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) --require-hashes --no-deps -r $(LOCK)
	$(PIP_INSTALL) --no-deps --no-build-isolation -e .
	$(BIN)/python -m gru_asr.install_check
	touch $(STAMP)

venv: $(STAMP)

install-check: $(STAMP)
	$(BIN)/python -m gru_asr.install_check

demo: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" bash recipes/synth/run.sh

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

bench: $(STAMP)
	for b in tools/bench/*.py; do $(BIN)/python $$b; done

# Does the lock still say what pyproject.toml asks? (CI runs this; offline, no resolution.)
lock-check: $(STAMP)
	@$(BIN)/python tools/lock_check.py

# Re-resolve after editing pyproject.toml's dependencies, keeping every other pin.
lock: $(STAMP)
	$(BIN)/uv lock
	$(BIN)/python tools/lock_check.py --export

# The deliberate upgrade path: re-resolve everything to the newest releases that
# pyproject.toml allows, export, reinstall the venv from the new lock, run the suite.
# To move torch/torchaudio, edit their two == pins in pyproject.toml first.
relock: $(STAMP)
	$(BIN)/uv lock --upgrade
	$(BIN)/python tools/lock_check.py --export
	rm -rf $(VENV)
	$(MAKE) test

clean:
	rm -rf exp outputs multirun .pytest_cache
