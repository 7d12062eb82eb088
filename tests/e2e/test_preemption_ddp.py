"""SIGTERM under 2-process DDP (CPU, gloo): only rank 0 receives it, yet both
ranks save at the same step and stop (no rank left waiting in an all-reduce);
the run then resumes from that checkpoint and finishes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from gru_asr.synth.corpus import SynthConfig, build_corpus

pytestmark = pytest.mark.slow
HERE = Path(__file__).parent


def run(data, exp, resume, term):
    env = dict(os.environ, TERM_RANK0="1" if term else "0")
    return subprocess.run([sys.executable, str(HERE / "preempt_ddp_worker.py"), str(data), str(exp), resume],
                          capture_output=True, text=True, timeout=600, env=env)


def test_sigterm_to_rank_zero_stops_both_ranks_at_one_checkpoint(tmp_path):
    data = tmp_path / "data"
    build_corpus(data, SynthConfig(hours=0.02, seed=3), workers=1)
    exp = tmp_path / "exp"
    stopped = run(data, exp, "null", term=True)
    assert stopped.returncode == 143, stopped.stderr[-3000:]
    assert "preempted (SIGTERM)" in stopped.stderr
    assert not list(exp.glob("done*.json"))  # neither rank went on training
    ckpt = torch.load(exp / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    assert ckpt["global_step"] == 2  # step 2 was finished, then saved
    resumed = run(data, exp, "last", term=False)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert {p.name for p in exp.glob("done*.json")} == {"done0.json", "done1.json"}
    assert (exp / "model.safetensors").is_file()
