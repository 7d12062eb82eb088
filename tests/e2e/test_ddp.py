"""2-process DDP on CPU (gloo): ranks see disjoint data, equally many batches,
and end with identical weights."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gru_asr.data import read_manifest, write_manifest
from gru_asr.synth.corpus import SynthConfig, build_corpus

pytestmark = pytest.mark.slow
HERE = Path(__file__).parent


def test_two_process_cpu_ddp(tmp_path):
    data = tmp_path / "data"
    build_corpus(data, SynthConfig(hours=0.02, seed=3), workers=1)
    # Unreadable files spread over both ranks: train_result.json must list all of them.
    entries = read_manifest(data / "train.jsonl")
    bad = {f"broken-{k}" for k in range(8)}
    for k, utt_id in enumerate(sorted(bad)):
        (data / f"{utt_id}.wav").write_bytes(b"not a wav file")
        entries.append({"id": utt_id, "audio": str(data / f"{utt_id}.wav"), "duration": entries[k]["duration"], "text": entries[k]["text"]})
    write_manifest(data / "train.jsonl", entries)
    exp = tmp_path / "exp"
    proc = subprocess.run([sys.executable, str(HERE / "ddp_worker.py"), str(data), str(exp)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    r0, r1 = (json.loads((exp / f"rank{r}.json").read_text()) for r in (0, 1))
    assert r0["world"] == r1["world"] == 2
    assert r0["ids"] and r1["ids"] and not set(r0["ids"]) & set(r1["ids"])  # disjoint
    assert r0["batches"] == r1["batches"]  # equally many: no rank waits at the epoch end
    everything = {e["id"] for e in read_manifest(data / "train.jsonl")}
    assert set(r0["ids"]) | set(r1["ids"]) == everything - bad  # nothing lost
    assert set(r0["skipped"]) | set(r1["skipped"]) == bad and r0["skipped"] and r1["skipped"]
    assert set(json.loads((exp / "train_result.json").read_text())["skipped"]) == bad  # both ranks' skips reported
    assert r0["weights"] == r1["weights"]  # DDP kept the replicas identical
    assert (exp / "model.safetensors").is_file()
