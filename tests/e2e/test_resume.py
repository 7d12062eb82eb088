"""Preemption: a run killed (SIGKILL) or stopped (SIGTERM) at any point resumes
from its latest complete checkpoint and ends with exactly the weights of an
uninterrupted run (CPU, same seed).

Each test is a chain: the run is injured at one point, resumed with
``resume_from=last`` and injured at the next point, ..., then resumed to the
end. Any resume that was not exact would change the final weights. The worker
trains 3 epochs of 8 steps with a checkpoint every 2 steps.
"""

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from gru_asr.synth.corpus import SynthConfig, build_corpus
from gru_asr.training.checkpointing import is_complete_checkpoint, latest_complete_checkpoint

pytestmark = pytest.mark.slow
HERE = Path(__file__).parent
WORKER = HERE / "resume_worker.py"


def run(data, exp, fault=None, resume="last", ema=None):
    env = dict(os.environ)
    env.pop("GRU_ASR_FAULT", None)
    env.pop("GRU_ASR_EMA", None)
    if fault:
        env["GRU_ASR_FAULT"] = fault
    if ema:
        env["GRU_ASR_EMA"] = str(ema)  # ema={decay: ema}
    return subprocess.run([sys.executable, str(WORKER), str(data), str(exp), resume],
                          capture_output=True, text=True, timeout=300, env=env)


def checkpoint_step(path: Path) -> int:
    return int(torch.load(path, map_location="cpu", weights_only=True)["global_step"])


def digest(exp: Path) -> dict:
    return json.loads((exp / "digest.json").read_text())


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("resume") / "data"
    build_corpus(d, SynthConfig(hours=0.02, seed=4), workers=1)
    return d


@pytest.fixture(scope="module")
def reference(data, tmp_path_factory):
    exp = tmp_path_factory.mktemp("ref")
    proc = run(data, exp, resume="null")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return digest(exp)


def finish_and_compare(data, exp, reference, ema=None):
    resumed = run(data, exp, ema=ema)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert not list((exp / "checkpoints").glob(".*.tmp")), "unfinished writes were not cleaned up"
    assert digest(exp) == reference


def test_sigkill_at_every_kind_of_point_resumes_exactly(data, reference, tmp_path):
    ckpts = tmp_path / "checkpoints"
    # (fault, what must hold right after the kill)
    chain = [
        ("kill_in_step:3", None),         # mid step 4: backward done, no update; last.ckpt = step 2
        ("kill_in_write:1", "last"),      # resumed at 2; dies writing last.ckpt of step 4
        ("kill_in_val:0", None),          # dies in epoch 0's validation; last.ckpt = step 6
        ("kill_in_write:1", "best"),      # resumed at 6; dies writing epoch 0's best-k file
        ("kill_after_step:11", None),     # last.ckpt = step 10, epoch000 file = step 8
    ]
    for fault, torn in chain:
        before = {p.name: p.read_bytes() for p in ckpts.glob("*.ckpt")} if ckpts.is_dir() else {}
        killed = run(data, tmp_path, fault)
        assert killed.returncode == -signal.SIGKILL, (fault, killed.stderr[-2000:])
        assert not (tmp_path / "digest.json").exists()
        if torn:
            partial = list(ckpts.glob(".*.ckpt.*.tmp"))
            assert len(partial) == 1 and not is_complete_checkpoint(partial[0]), fault
            target = "last.ckpt" if torn == "last" else "epoch000-"
            assert partial[0].name.startswith(f".{target}")
            # the file being replaced is untouched and still the one chosen
            if torn == "last":
                assert (ckpts / "last.ckpt").read_bytes() == before["last.ckpt"]
        chosen = latest_complete_checkpoint(ckpts)
        assert chosen is not None and is_complete_checkpoint(chosen)

    # A damaged last.ckpt (a writer without atomic rename, bit rot) is passed
    # over for the newest complete checkpoint: here epoch 0's, at step 8.
    last = ckpts / "last.ckpt"
    last.write_bytes(last.read_bytes()[: last.stat().st_size // 3])
    chosen = latest_complete_checkpoint(ckpts)
    assert chosen.name.startswith("epoch000-") and checkpoint_step(chosen) == 8
    finish_and_compare(data, tmp_path, reference)


def test_sigterm_writes_a_checkpoint_and_exits_143(data, reference, tmp_path):
    last = tmp_path / "checkpoints" / "last.ckpt"
    # SIGTERM inside step 5: the step is finished, then saved. The periodic
    # checkpoints fall on even steps, so a step-5 checkpoint is the preemption's.
    stopped = run(data, tmp_path, "term_in_step:4")
    assert stopped.returncode == 143, stopped.stderr[-2000:]
    assert "preempted (SIGTERM)" in stopped.stderr and "resume_from=last" in stopped.stderr
    assert checkpoint_step(last) == 5
    # SIGTERM during epoch 0's validation: validation finishes, the epoch-end
    # checkpoints are written, then the run stops.
    stopped = run(data, tmp_path, "term_in_val:0")
    assert stopped.returncode == 143, stopped.stderr[-2000:]
    assert checkpoint_step(last) == 8
    assert [p.name for p in last.parent.glob("epoch000-*.ckpt")]
    finish_and_compare(data, tmp_path, reference)


def test_the_weight_average_resumes_exactly_too(data, tmp_path_factory, tmp_path):
    """With ema the digest covers the average as well as the weights: a
    stop inside a step (SIGTERM), a kill after one and a kill during a checkpoint
    write all resume to the uninterrupted run's average."""
    ref_exp = tmp_path_factory.mktemp("ref_ema")
    proc = run(data, ref_exp, resume="null", ema=0.8)
    assert proc.returncode == 0, proc.stderr[-3000:]
    reference = digest(ref_exp)
    for fault, code in [("term_in_step:4", 143), ("kill_after_step:11", -signal.SIGKILL), ("kill_in_write:2", -signal.SIGKILL)]:
        injured = run(data, tmp_path, fault, ema=0.8)
        assert injured.returncode == code, (fault, injured.stderr[-2000:])
    finish_and_compare(data, tmp_path, reference, ema=0.8)
    ckpt = torch.load(tmp_path / "checkpoints" / "last.ckpt", map_location="cpu", weights_only=True)
    state = ckpt["state_dict"]
    assert ckpt["gru_asr"]["ema_updates"] == 24 and any(k.startswith("ema_model.") for k in state)
    # The average started from the normalization statistics, not the placeholders it was copied with.
    assert torch.equal(state["ema_model.frontend.feat_mean"], state["model.frontend.feat_mean"])


def test_signals_from_outside_at_random_moments(data, reference, tmp_path):
    """The parent kills the worker after a random number of steps plus a random
    delay, wherever it happens to be (step, validation, checkpoint write)."""
    rng = random.Random(9)
    progress = tmp_path / "progress.txt"
    # The run has 24 steps. The last injury comes early enough that, with the random
    # delay, it lands before the run's end: a kill between the final checkpoint and
    # the worker's end-of-training digest leaves a finished run with no digest.
    injuries = [(signal.SIGKILL, 5), (signal.SIGKILL, 9), (signal.SIGTERM, 13), (signal.SIGKILL, 16)]
    delivered = 0
    for sig, at_step in injuries:
        progress.unlink(missing_ok=True)  # wait for this run's own steps
        proc = subprocess.Popen([sys.executable, str(WORKER), str(data), str(tmp_path), "last"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 300  # a worker that stops making progress fails the test, not CI
        while proc.poll() is None and not _reached(progress, at_step):
            if time.monotonic() > deadline:
                proc.kill()
                raise AssertionError(f"the worker did not reach step {at_step} in 300 s")
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.2))
        if proc.poll() is None:
            proc.send_signal(sig)
            delivered += 1
        _, err = proc.communicate(timeout=300)
        if sig == signal.SIGTERM and proc.returncode == 143:
            assert checkpoint_step(tmp_path / "checkpoints" / "last.ckpt") >= at_step
        assert proc.returncode in (0, -signal.SIGKILL, 143), err[-2000:]
    print(f"signals delivered mid-run: {delivered} of {len(injuries)}")
    assert delivered >= 3
    finish_and_compare(data, tmp_path, reference)


def _reached(progress: Path, step: int) -> bool:
    try:
        return int(progress.read_text() or -1) >= step
    except (FileNotFoundError, ValueError):
        return False
