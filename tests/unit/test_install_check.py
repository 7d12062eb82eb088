"""The post-install check: passes on this environment, and turns a broken binary pair into
one line that names the pair and the fix (no traceback)."""

from __future__ import annotations

import importlib.metadata as metadata
import os
import subprocess
import sys

from gru_asr import install_check


def test_this_environment_passes_every_check():
    assert install_check.run_checks() == []


def test_the_installed_torch_pair_is_the_pinned_pair():
    pins = install_check.pinned_versions()
    assert set(pins) >= {"torch", "torchaudio"}
    for name in ("torch", "torchaudio"):
        # The CUDA wheels carry a local version (2.14.1+cu130); the public part must match.
        assert metadata.version(name).split("+")[0] == pins[name], name


def run_check(tmp_path, module: str, body: str):
    fake = tmp_path / module
    fake.mkdir()
    (fake / "__init__.py").write_text(body)
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    return subprocess.run([sys.executable, "-m", "gru_asr.install_check"], capture_output=True, text=True,
                          env=env, timeout=120)


def test_a_torchaudio_that_cannot_load_its_library_is_one_line_naming_the_pair(tmp_path):
    proc = run_check(tmp_path, "torchaudio",
                     "raise OSError('libtorchaudio.so: undefined symbol: torch_new_stable_ivalue')\n")
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    line = lines[0]
    assert "torchaudio does not work" in line
    assert f"torch {metadata.version('torch')}" in line and "torchaudio" in line
    assert "undefined symbol" in line and "make venv" in line
    assert "Traceback" not in proc.stderr


def test_a_missing_flashlight_is_reported_and_the_others_still_checked(tmp_path):
    proc = run_check(tmp_path, "flashlight", "raise ImportError('no module flashlight.lib')\n")
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    # Exactly one line, for flashlight: torch, torchaudio, soundfile and espeak-ng were
    # still checked and passed.
    assert len(lines) == 1 and "flashlight-text does not work" in lines[0], proc.stderr


def test_doctor_runs_before_anything_imports_torch(tmp_path):
    # A torch that cannot import at all: the check still runs and reports it.
    fake = tmp_path / "torch"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('libtorch_cpu.so: cannot open shared object file')\n")
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    proc = subprocess.run([sys.executable, "-m", "gru_asr", "doctor"], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 1
    assert "install check: torch does not work" in proc.stderr
    assert "Traceback" not in proc.stderr
