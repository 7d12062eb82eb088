"""Training on a weighted mixture of two corpora with two named dev sets, under
2-process CPU DDP: ranks split the mixture evenly, each corpus contributes its
weighted share of seconds, and every dev set gets its own metrics."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from gru_asr.data import read_manifest, write_manifest
from gru_asr.synth.corpus import SynthConfig, build_corpus

pytestmark = pytest.mark.slow
HERE = Path(__file__).parent


def test_ddp_training_on_a_mixture_with_two_dev_sets(tmp_path):
    data = tmp_path / "data"
    build_corpus(data, SynthConfig(hours=0.02, seed=3), workers=1)
    entries = read_manifest(data / "train.jsonl")
    cut = 2 * len(entries) // 3
    first, second = entries[:cut], entries[cut:]
    write_manifest(data / "first" / "train.jsonl", first)
    write_manifest(data / "second" / "train.jsonl", second)
    exp = tmp_path / "exp"
    proc = subprocess.run([sys.executable, str(HERE / "mixing_ddp_worker.py"), str(data), str(exp)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]

    r0, r1 = (json.loads((exp / f"rank{r}.json").read_text()) for r in (0, 1))
    assert r0["world"] == r1["world"] == 2 and r0["batches"] == r1["batches"]
    ids = r0["ids"] + r1["ids"]
    first_ids, durations = {e["id"] for e in first}, {e["id"]: e["duration"] for e in entries}
    # the anchor corpus exactly once, split across the ranks
    assert sorted(i for i in ids if i in first_ids) == sorted(first_ids)
    drawn = [i for i in ids if i not in first_ids]
    assert len(drawn) == len(set(drawn))  # a quarter of the first corpus's seconds: subsampled, never twice
    first_seconds = sum(e["duration"] for e in first)
    assert abs(sum(durations[i] for i in drawn) - 0.25 * first_seconds) <= max(durations.values()) / 2

    rows = list(csv.DictReader(open(next(exp.glob("logs/version_*/metrics.csv")))))
    val = [r for r in rows if r.get("val_wer")]
    assert val, "no validation row logged"
    last = val[-1]
    for name in ("main", "other"):
        assert 0.0 <= float(last[f"val/{name}/wer"]) and float(last[f"val/{name}/loss"]) > 0
    assert last["val_wer"] == last["val/other/wer"] and last["val_loss"] == last["val/other/loss"]
    assert last["val/main/loss"] != last["val/other/loss"]
    best = json.loads((exp / "train_result.json").read_text())["best_val_wer"]
    assert best == pytest.approx(float(last["val/other/wer"]))
