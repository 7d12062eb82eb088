"""The mini LibriSpeech recipe end to end on a few real utterances: a tree in the
corpus's exact layout (train-clean-5 .opus files from ../shared/data/mini-librispeech,
a dev-clean chapter from the shared dev slice), a small .xz book text, and the tiny
experiment: prepare -> statistics -> tokenizer -> train a few steps -> average ->
package -> pruned LM from the book text plus the training transcripts -> tune ->
evaluate; then a second invocation that skips every finished stage."""

import json
import lzma
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gru_asr.data import read_manifest
from gru_asr.packaging import read_package_info
from tests.conftest import SHARED_DATA

ROOT = Path(__file__).resolve().parents[2]
TRAIN = SHARED_DATA / "mini-librispeech" / "LibriSpeech" / "train-clean-5"
DEV = SHARED_DATA / "librispeech-subset" / "LibriSpeech" / "dev-clean"
pytestmark = [pytest.mark.slow, pytest.mark.data,
              pytest.mark.skipif(not (TRAIN.is_dir() and DEV.is_dir()),
                                 reason="../shared/data/mini-librispeech or librispeech-subset is not present")]


def copy_chapter(src: Path, dst: Path, keep: int) -> list[str]:
    """Link the first `keep` utterances of a chapter folder into dst, with a trimmed
    transcript file; returns their transcripts."""
    spk, chap = src.parent.name, src.name
    lines = (src / f"{spk}-{chap}.trans.txt").read_text().splitlines()[:keep]
    dst.mkdir(parents=True)
    for line in lines:
        utt = line.split(" ", 1)[0]
        audio = next(src.glob(f"{utt}.*"))
        (dst / audio.name).symlink_to(audio)
    (dst / f"{spk}-{chap}.trans.txt").write_text("\n".join(lines) + "\n")
    return [line.split(" ", 1)[1] for line in lines]


def small_tree(tmp_path: Path) -> tuple[Path, Path, list[str]]:
    train_root, dev_root = tmp_path / "mini", tmp_path / "devslice"
    texts = []
    for chapter in sorted(p for p in TRAIN.glob("*/*") if p.is_dir())[:2]:
        texts += copy_chapter(chapter, train_root / "LibriSpeech" / "train-clean-5" / chapter.parent.name / chapter.name, 6)
    dev_chapter = DEV / "2277" / "149874"
    copy_chapter(dev_chapter, dev_root / "LibriSpeech" / "dev-clean" / "2277" / "149874", 5)
    return train_root, dev_root, texts


def test_mini_librispeech_recipe_on_real_audio(tmp_path):
    train_root, dev_root, train_texts = small_tree(tmp_path)
    assert any(p.suffix == ".opus" for p in train_root.rglob("*")), "train-clean-5 here is Ogg Opus"
    # Book text as it ships: one upper-case sentence per line, xz-compressed.
    books = tmp_path / "books.txt.xz"
    with lzma.open(books, "wt", encoding="utf-8") as f:
        for i in range(40):
            f.write(train_texts[i % len(train_texts)] + "\n")
            f.write("THE OLD MAN SAT BY THE FIRE AND READ A BOOK\n")
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
               PYTHON=sys.executable, LM_WEIGHTS="0.5", WORD_SCORES="0.0")
    data, exp = tmp_path / "data", tmp_path / "exp"
    cmd = ["bash", "recipes/mini_librispeech/run.sh", "--root", str(train_root), "--dev-root", str(dev_root),
           "--data", str(data), "--exp", str(exp), "--experiment", "mls_tiny", "--average", "2",
           "--lm-text", str(books), "--lm-order", "3", "--lm-prune", "0,0,1", "--beam-size", "8", "--nj", "1"]
    first = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env, timeout=900)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]

    train = read_manifest(data / "train-clean-5.jsonl")
    assert len(train) == 12 and all(e["audio"].endswith(".opus") for e in train)
    assert len(read_manifest(data / "dev.jsonl")) == 5
    for f in ["model.safetensors", "model_avg.safetensors", "final.safetensors", "lm/lm.arpa", "lm/lexicon.txt",
              "lm/decoder.yaml", "lm/prior.txt"]:
        assert (exp / f).is_file(), f
    # The recipe's band mask for its Opus training audio reached the packaged model.
    recipe = yaml.safe_load((ROOT / "recipes/mini_librispeech/conf/experiment/mls_tiny.yaml").read_text())
    frontend = read_package_info(exp / "final.safetensors")["config"]["frontend"]
    assert frontend["mask_above_hz"] == recipe["frontend"]["mask_above_hz"] > 0
    # The recipe's label prior (prior_scales=1.0) reached the tuned decoder.
    decoder = yaml.safe_load((exp / "lm/decoder.yaml").read_text())
    assert decoder["prior"] == str(exp / "lm/prior.txt") and decoder["prior_scale"] == 1.0
    arpa = (exp / "lm/lm.arpa").read_text()
    assert "ngram 3=" in arpa and " fire " in arpa.lower()  # the book text reached the LM
    lexicon_words = {line.split("\t")[0].split()[0] for line in (exp / "lm/lexicon.txt").read_text().splitlines()}
    assert "fire" in lexicon_words
    for dec in ("greedy", "beam_lm"):
        res = json.loads((exp / f"eval_dev_{dec}/results.json").read_text())
        assert res["utterances"] == 5 and res["ref_words"] > 0, dec
    table = (exp / "results.txt").read_text().splitlines()
    assert [row.split()[:2] for row in table[1:]] == [["dev", "greedy"], ["dev", "beam_lm"]]

    second = subprocess.run(cmd + ["--stop-stage", "7"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=900)
    assert second.returncode == 0, second.stderr[-2000:]
    # stages 0, 1 and 3-7 are finished; stage 2 has nothing to do for characters
    assert second.stdout.count("skipping") == 7 and "character tokenizer, nothing to train" in second.stdout
