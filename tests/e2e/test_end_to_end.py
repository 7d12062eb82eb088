"""The whole path on CPU in a few minutes: synthesize -> train a tiny model a few
steps -> package -> reload -> transcribe (Python API and CLI)."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

import gru_asr
from gru_asr.synth.corpus import SynthConfig, build_corpus

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def cli(*args, **kw):
    kw.setdefault("timeout", 600)
    return subprocess.run([sys.executable, "-m", "gru_asr", *map(str, args)], capture_output=True, text=True, cwd=ROOT, **kw)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    build_corpus(root / "data", SynthConfig(hours=0.02, seed=2), workers=2)
    exp = root / "exp"
    proc = cli(
        "train", "--config-dir", ROOT / "recipes/synth/conf", "experiment=tiny", f"exp_dir={exp}",
        f"data.train={root / 'data/train.jsonl'}", f"data.dev={root / 'data/dev.jsonl'}",
        "trainer.max_epochs=10", "optim.lr=1e-2", "data.batch_seconds=8", "augment=none",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root, exp


def test_training_reduces_the_loss_and_packages_a_model(trained):
    _, exp = trained
    rows = list(csv.DictReader(open(next(exp.glob("logs/version_*/metrics.csv")))))
    # Epoch means over the same training utterances (single steps differ in
    # utterance length, so their losses are not comparable).
    epochs = [float(r["train_loss_epoch"]) for r in rows if r.get("train_loss_epoch")]
    assert len(epochs) == 10
    assert epochs[-1] < 0.7 * epochs[0]
    result = json.loads((exp / "train_result.json").read_text())
    assert Path(result["package"]).is_file() and result["steps"] > 0


def test_python_api_transcribes_in_input_order(trained):
    root, exp = trained
    model = gru_asr.load_model(exp / "model.safetensors")
    wavs = sorted((root / "data/wav/train").glob("*.wav"))[:3]
    results = model.transcribe(wavs + [root / "missing.wav"])
    assert [r.audio for r in results] == [str(w) for w in wavs] + [str(root / "missing.wav")]
    assert all(r.ok and isinstance(r.text, str) and r.duration > 0 for r in results[:3])
    assert not results[3].ok and "not found" in results[3].error
    for r in results[:3]:
        assert all(0 <= w.start <= w.end <= r.duration + 0.05 for w in r.words)


def test_cli_transcribe_jsonl_contract_with_a_bad_input(trained):
    root, exp = trained
    good = sorted((root / "data/wav/train").glob("*.wav"))[:2]
    corrupt = root / "corrupt.wav"
    corrupt.write_bytes(b"RIFF....WAVEfmt garbage")
    args = [good[0], corrupt, good[1]]
    proc = cli("transcribe", "--model", exp / "model.safetensors", "--format", "jsonl", *args)
    assert proc.returncode != 0
    lines = [json.loads(x) for x in proc.stdout.splitlines()]
    assert [x["audio"] for x in lines] == [str(good[0]), str(good[1])]
    assert all(isinstance(x["text"], str) for x in lines)
    assert str(corrupt) in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_evaluate_cli_reports_wer(trained):
    root, exp = trained
    proc = cli("evaluate", "--model", exp / "model.safetensors", root / "data/test.jsonl", "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["utterances"] > 0 and 0 <= summary["wer"] and summary["ref_words"] > 0
