# Quickstart:  make demo   (synthetic corpus -> train -> evaluate -> transcribe)
#              make test   (the test suite)
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test test-fast venv bench clean

# torch 2.11 from PyPI is the CUDA build: about 3 GB of wheels that unpack to about 5 GB.
# --no-cache-dir keeps pip from storing a second copy of those wheels in ~/.cache/pip,
# which on a small CI disk is the difference between fitting and "No space left on device".
PIP_INSTALL := $(BIN)/python -m pip install --quiet --no-cache-dir
NEEDED_GB   := 9

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 10), "gru_asr needs Python 3.10+"'
	@$(PYTHON) tools/check_disk.py --path . --need-gb $(NEEDED_GB)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) --upgrade pip
	$(PIP_INSTALL) -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" bash recipes/synth/run.sh

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

bench: $(STAMP)
	for b in tools/bench/*.py; do $(BIN)/python $$b; done

clean:
	rm -rf exp outputs multirun .pytest_cache
