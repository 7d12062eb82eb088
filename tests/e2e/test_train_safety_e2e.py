"""Tiny real trainings in one exp_dir (issue #23): a run with a tokenizer from
`gru-asr tokenizer train` (through the command it prints) packages a self-contained
model; a second new run in the same folder is refused and changes nothing; with
overwrite=true it replaces the first run's checkpoints and model."""

from __future__ import annotations

import hashlib
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from gru_asr.synth.corpus import SynthConfig, build_corpus

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

TINY = ["encoder.hidden_size=16", "encoder.num_layers=1", "encoder.subsampling.channels=[4,4]", "frontend.n_mels=40",
        "augment=none", "data.batch_seconds=30", "data.num_workers=0", "data.stats_utterances=10",
        "trainer.max_epochs=1", "trainer.enable_progress_bar=false", "trainer.log_every_n_steps=1"]


def gru_asr(*args, timeout=900):
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    return subprocess.run([sys.executable, "-m", "gru_asr", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=timeout)


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(folder.rglob("*"))}


def test_refuse_then_overwrite_with_a_file_tokenizer(tmp_path):
    data = tmp_path / "data"
    build_corpus(data, SynthConfig(hours=0.01, seed=3), workers=1)
    tok = gru_asr("tokenizer", "train", data / "train.jsonl", "-o", tmp_path / "conf" / "tokenizer" / "bpe.yaml",
                  "--vocab-size", "40", "--model-type", "bpe")
    assert tok.returncode == 0, tok.stderr
    printed = shlex.split(tok.stdout.split("train with it: ", 1)[1].strip())[2:]  # after "gru-asr train"
    exp = tmp_path / "exp"
    data_args = [f"data.train={data / 'train.jsonl'}", f"data.dev={data / 'dev.jsonl'}"]

    first = gru_asr("train", *printed, f"exp_dir={exp}", *data_args, *TINY)
    assert first.returncode == 0, first.stderr[-3000:]
    model = exp / "model.safetensors"
    info = json.loads(gru_asr("info", model).stdout)
    assert set(info["config"]["tokenizer"]) == {"name", "model"} and info["config"]["tokenizer"]["name"] == "sentencepiece"
    # The package carries the tokenizer: it transcribes with the .model file gone.
    (tmp_path / "conf" / "tokenizer" / "bpe.model").rename(tmp_path / "moved.model")
    wav = next((data / "wav" / "test").glob("*.wav"))
    assert gru_asr("transcribe", "--model", model, wav).returncode == 0

    # A new run in the same folder: refused, nothing changes.
    before = snapshot(exp)
    again = gru_asr("train", f"exp_dir={exp}", *data_args, *TINY)
    assert again.returncode == 2 and "Traceback" not in again.stderr
    assert again.stderr.strip().splitlines()[-1].startswith(f"error: exp_dir={exp} holds another run")
    assert snapshot(exp) == before

    # overwrite=true: the previous run's checkpoints and model are replaced.
    stale = exp / "checkpoints" / "epoch099-wer0.0001.ckpt"
    stale.write_bytes((exp / "checkpoints" / "last.ckpt").read_bytes())
    replaced = gru_asr("train", f"exp_dir={exp}", "overwrite=true", *data_args, *TINY)
    assert replaced.returncode == 0, replaced.stderr[-3000:]
    assert not stale.exists() and (exp / "checkpoints" / "last.ckpt").is_file()
    assert json.loads(gru_asr("info", model).stdout)["config"]["tokenizer"]["name"] == "char"


def test_multi_process_ddp_started_from_the_command_line(tmp_path):
    """`gru-asr train trainer.devices=2 trainer.strategy=ddp`: Lightning starts the second
    rank by running __main__'s module again with sys.argv[1:]; that must be the train entry
    point with the same overrides (it used to be `python -m gru_asr <overrides>`, which
    argparse refused, leaving rank 0 waiting for its peer)."""
    data = tmp_path / "data"
    build_corpus(data, SynthConfig(hours=0.01, seed=4), workers=1)
    exp = tmp_path / "exp"
    proc = gru_asr("train", f"exp_dir={exp}", f"data.train={data / 'train.jsonl'}", f"data.dev={data / 'dev.jsonl'}",
                   "trainer.devices=2", "+trainer.strategy=ddp", "num_threads=1", *TINY, timeout=400)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads((exp / "train_result.json").read_text())
    assert result["steps"] > 0 and (exp / "model.safetensors").is_file()
