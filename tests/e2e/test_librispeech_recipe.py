"""The LibriSpeech recipe end to end on real LibriSpeech audio (a slice of
../shared/data/librispeech-subset laid out as train-clean-100 / dev-clean /
test-clean): prepare -> statistics -> BPE tokenizer -> a tiny model trained a few
steps -> average -> package -> LM -> tune -> evaluate, then a second invocation
that skips every finished stage."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gru_asr.data import read_manifest
from tests.conftest import SHARED_DATA

ROOT = Path(__file__).resolve().parents[2]
SUBSET = SHARED_DATA / "librispeech-subset" / "LibriSpeech" / "dev-clean"
pytestmark = [pytest.mark.slow, pytest.mark.data,
              pytest.mark.skipif(not SUBSET.is_dir(), reason="../shared/data/librispeech-subset is not present")]

# chapter folders of the shared dev-clean slice, assigned to recipe splits
LAYOUT = {
    "train-clean-100": ["1272/128104", "174/84280", "84/121123"],
    "dev-clean": ["2277/149874"],
    "test-clean": ["174/50561"],
}


def small_tree(tmp_path):
    root = tmp_path / "corpus"
    for split, chapters in LAYOUT.items():
        for chapter in chapters:
            link = root / "LibriSpeech" / split / chapter
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(SUBSET / chapter, target_is_directory=True)
    return root


def test_librispeech_recipe_on_real_audio(tmp_path):
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
               PYTHON=sys.executable, LM_WEIGHTS="0.5", WORD_SCORES="0.0")
    data, exp = tmp_path / "data", tmp_path / "exp"
    cmd = ["bash", "recipes/librispeech/run.sh", "--root", str(small_tree(tmp_path)), "--data", str(data),
           "--exp", str(exp), "--experiment", "ls_tiny", "--train-set", "clean100", "--dev-sets", "dev-clean",
           "--eval-sets", "dev-clean,test-clean", "--tokenizer", "bpe", "--vocab-size", "64",
           "--average", "2", "--lm-order", "2", "--beam-size", "8"]
    first = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=900)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]

    train = read_manifest(data / "train_clean100.jsonl")
    assert len(train) == 15 + 16 + 29 and {e["speaker"] for e in train} == {"1272", "174", "84"}
    stats = {Path(s["manifest"]).name: s for s in json.loads((data / "statistics.json").read_text())}
    assert stats["train_clean100.jsonl"]["utterances"] == 60 and stats["dev.jsonl"]["utterances"] == 22
    assert (exp / "conf/tokenizer/bpe64.yaml").is_file()
    info = json.loads((exp / "final_info.json").read_text())
    assert "sentencepiece" in json.dumps(info)
    for f in ["model.safetensors", "model_avg.safetensors", "lm/lm.arpa", "lm/lexicon.txt", "lm/decoder.yaml"]:
        assert (exp / f).is_file(), f
    for split, n in [("dev-clean", 22), ("test-clean", 20)]:
        for dec in ("greedy", "beam_lm"):
            res = json.loads((exp / f"eval_{split}_{dec}/results.json").read_text())
            assert res["utterances"] == n and res["ref_words"] > 0, (split, dec)
    table = (exp / "results.txt").read_text().splitlines()
    assert len(table) == 1 + 4 and table[1].split()[:2] == ["dev-clean", "greedy"]

    second = subprocess.run(cmd + ["--stop-stage", "7"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=900)
    assert second.returncode == 0, second.stderr[-2000:]
    assert second.stdout.count("skipping") == 8  # stages 0-7 are all finished
