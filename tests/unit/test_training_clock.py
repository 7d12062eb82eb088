"""train_seconds (the training clock) and the time-to-accuracy bench that reads it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from gru_asr.training.training_clock import TrainingClock

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "tools" / "bench" / "time_to_accuracy.py"


def test_the_clock_counts_on_from_a_resumed_checkpoint():
    first = TrainingClock()
    first.on_train_start(None, None)
    time.sleep(0.05)
    saved = first.state_dict()
    assert saved["offset"] >= 0.05
    resumed = TrainingClock()
    resumed.load_state_dict(saved)
    resumed.on_train_start(None, None)
    assert resumed.elapsed() >= saved["offset"]
    assert resumed.elapsed() < saved["offset"] + 5


def write_metrics(run: Path, version: int, rows: list[tuple[int, float | str, float | str]]) -> None:
    folder = run / "logs" / f"version_{version}"
    folder.mkdir(parents=True)
    lines = ["epoch,step,train_loss_step,train_seconds,val_wer"]
    for epoch, seconds, wer in rows:
        lines.append(f"{epoch},{epoch * 10 + 5},1.0,,")  # a training-step row: no validation
        lines.append(f"{epoch},{epoch * 10 + 9},,{seconds},{wer}")
    (folder / "metrics.csv").write_text("\n".join(lines) + "\n")


def bench(*args):
    return subprocess.run([sys.executable, str(BENCH), *map(str, args)], capture_output=True, text=True, timeout=60)


def test_first_validation_under_the_target_across_a_resume(tmp_path):
    # version_1 is the resumed process: its clock continued from 240 s.
    write_metrics(tmp_path, 0, [(0, 60.0, 0.9), (1, 120.0, 0.4), (2, 240.0, 0.2)])
    write_metrics(tmp_path, 1, [(3, 300.0, 0.12), (4, 390.0, 0.095), (5, 450.0, 0.08)])
    proc = bench("--run", tmp_path, "--target", "0.10", "0.05")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.splitlines()
    assert "dev WER <= 10 %: 6.5 min of training (epoch 4, 9.50 %)" in out
    assert "dev WER <= 5 %: not reached" in out
    assert out[-1] == "minutes_to_10pct_wer: 6.5"


def test_a_run_started_over_in_the_same_folder_does_not_mix_in_the_old_curve(tmp_path):
    write_metrics(tmp_path, 0, [(0, 60.0, 0.5), (1, 120.0, 0.05)])  # the replaced run reached 5 %
    write_metrics(tmp_path, 1, [(0, 70.0, 0.6), (1, 140.0, 0.3)])   # overwrite=true: the clock restarts
    proc = bench("--run", tmp_path, "--target", "0.10")
    assert proc.returncode == 0, proc.stderr
    assert "dev WER <= 10 %: not reached" in proc.stdout.splitlines()
    assert proc.stdout.splitlines()[-1] == "minutes_to_10pct_wer: n/a"


def test_a_run_without_the_clock_says_so(tmp_path):
    folder = tmp_path / "logs" / "version_0"
    folder.mkdir(parents=True)
    (folder / "metrics.csv").write_text("epoch,step,val_wer\n0,9,0.5\n")
    proc = bench("--run", tmp_path)
    assert proc.returncode == 0
    assert "no train_seconds" in proc.stdout
    assert proc.stdout.splitlines()[-1] == "minutes_to_10pct_wer: n/a"
