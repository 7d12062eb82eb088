"""Kill-and-resume equivalence: a run killed mid-epoch and resumed from its latest
checkpoint ends with exactly the weights of an uninterrupted run (CPU, same seed)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gru_asr.synth.corpus import SynthConfig, build_corpus

pytestmark = pytest.mark.slow
HERE = Path(__file__).parent


def run(data, exp, die_at=0, resume="null"):
    return subprocess.run([sys.executable, str(HERE / "resume_worker.py"), str(data), str(exp), str(die_at), resume],
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("resume") / "data"
    build_corpus(d, SynthConfig(hours=0.02, seed=4), workers=1)
    return d


@pytest.fixture(scope="module")
def reference(data, tmp_path_factory):
    exp = tmp_path_factory.mktemp("ref")
    proc = run(data, exp)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads((exp / "digest.json").read_text())


@pytest.mark.parametrize("die_at", [3, 5])
def test_killed_mid_epoch_and_resumed_matches_uninterrupted(data, reference, tmp_path, die_at):
    killed = run(data, tmp_path, die_at=die_at)
    assert killed.returncode == 17, killed.stderr[-2000:]
    assert not (tmp_path / "digest.json").exists()
    resumed = run(data, tmp_path, resume="last")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    result = json.loads((tmp_path / "digest.json").read_text())
    assert result["steps"] == reference["steps"]
    assert result["weights"] == reference["weights"]
