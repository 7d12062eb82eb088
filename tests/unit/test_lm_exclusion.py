"""Dev and test sentences never reach the n-gram LM: ``gru-asr lm build --exclude`` and
the synthetic corpus's ``lm_text.txt`` (``gru-asr synth --lm-sentences``).

"Never reaches" is checked on the ARPA itself: every highest-order n-gram of an
excluded sentence that occurs in no kept sentence is absent (with ``<s>``/``</s>``),
so the LM holds no path that spells the excluded sentence, while the kept sentences'
n-grams are all there.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from gru_asr.cli.main import main
from gru_asr.data import read_manifest
from gru_asr.models import CTCModel
from gru_asr.packaging import save_package
from gru_asr.synth.corpus import SynthConfig, plan_corpus, write_lm_text
from gru_asr.synth.text_generator import SentenceGenerator
from tests.conftest import small_model_config

ROOT = Path(__file__).resolve().parents[2]
# write_lm_text draws its extra sentences from this generator (gru_asr/synth/corpus.py)
LM_TEXT_SEED_OFFSET = 104729


def cli(*args, **kw):
    kw.setdefault("timeout", 120)
    return subprocess.run([sys.executable, "-m", "gru_asr", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, **kw)


def read_arpa(path: Path) -> dict[int, set[tuple[str, ...]]]:
    grams: dict[int, set[tuple[str, ...]]] = {}
    order = 0
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line.startswith("\\") and line.endswith("-grams:"):
            order = int(line[1:].split("-")[0])
            grams[order] = set()
        elif line and order and not line.startswith("\\"):
            grams[order].add(tuple(line.split("\t")[1].split()))
    return grams


def ngrams(sentence: str, n: int) -> set[tuple[str, ...]]:
    words = ["<s>", *sentence.split(), "</s>"]
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def check_lm(arpa: Path, kept: list[str], excluded: list[str], order: int) -> None:
    grams = read_arpa(arpa)
    assert max(grams) == order
    kept_grams = set().union(*(ngrams(s, order) for s in kept))
    assert kept_grams <= grams[order], sorted(kept_grams - grams[order])[:5]
    only_excluded = set().union(*(ngrams(s, order) for s in excluded)) - kept_grams
    assert only_excluded, "the test data must give excluded sentences n-grams of their own"
    assert not only_excluded & grams[order], sorted(only_excluded & grams[order])[:5]
    # and words that only excluded sentences use are not in the vocabulary at all
    kept_words = {w for s in kept for w in s.split()}
    only_words = {w for s in excluded for w in s.split()} - kept_words
    assert not {(w,) for w in only_words} & grams[1]


# Text as users have it: cased, punctuated, digits; exclusion compares normalized sentences.
TRAIN_LINES = ["The red fox runs home.", "A blue bird sings loudly", "Delta echo foxtrot golf",
               "I have 2 green cats", "the red fox sings loudly", "", "hotel india juliet kilo"]
DEV_LINES = ["delta, Echo; FOXTROT golf!", "I have two green cats"]
TEST_TEXTS = ["Hotel India Juliet kilo"]
KEPT = ["the red fox runs home", "a blue bird sings loudly", "the red fox sings loudly"]
EXCLUDED = ["delta echo foxtrot golf", "i have two green cats", "hotel india juliet kilo"]


def write_inputs(folder: Path) -> tuple[Path, Path, Path]:
    text = folder / "train.txt"
    text.write_text("\n".join(TRAIN_LINES) + "\n", encoding="utf-8")
    dev = folder / "dev.txt"
    dev.write_text("\n".join(DEV_LINES) + "\n", encoding="utf-8")
    test = folder / "test.jsonl"
    test.write_text("".join(json.dumps({"id": f"t{i}", "audio": f"t{i}.wav", "duration": 1.5, "text": t}) + "\n"
                            for i, t in enumerate(TEST_TEXTS)))
    return text, dev, test


def test_lm_build_exclude_keeps_dev_and_test_sentences_out_of_the_arpa(tmp_path):
    text, dev, test = write_inputs(tmp_path)
    arpa = tmp_path / "lm.arpa"
    proc = cli("lm", "build", text, "-o", arpa, "--order", "3", "--exclude", dev, test)
    assert proc.returncode == 0, proc.stderr
    # 6 non-empty lines read, 3 kept: the excluded ones even where the text file's
    # spelling differs ("2" / "two", case, punctuation)
    assert "3 sentences (4 excluded or empty)" in proc.stdout
    check_lm(arpa, KEPT, EXCLUDED, order=3)


@pytest.mark.parametrize("order", [2, 4])
def test_exclusion_holds_at_other_orders_and_with_a_model_normalizer_and_lexicon(tmp_path, capsys, order):
    text, dev, test = write_inputs(tmp_path)
    torch.manual_seed(0)
    model = save_package(CTCModel(small_model_config()).eval(), tmp_path / "model.safetensors")
    arpa, lexicon = tmp_path / "lm.arpa", tmp_path / "lexicon.txt"
    rc = main(["lm", "build", str(text), "-o", str(arpa), "--order", str(order), "--model", str(model),
               "--lexicon", str(lexicon), "--exclude", str(dev), str(test)])
    assert rc == 0, capsys.readouterr().err
    check_lm(arpa, KEPT, EXCLUDED, order=order)
    spelled = {line.split()[0] for line in lexicon.read_text().splitlines() if line.strip()}
    assert {"fox", "bird", "loudly"} <= spelled and not spelled & {"delta", "foxtrot", "juliet", "cats"}


def test_synth_lm_text_never_holds_a_dev_or_test_sentence_even_when_the_generator_draws_one(tmp_path):
    cfg = SynthConfig(hours=0.01, lm_sentences=300, seed=3)
    extra = SentenceGenerator(seed=cfg.seed + LM_TEXT_SEED_OFFSET).sentences(cfg.lm_sentences)
    # Read the generator's own sentences, so that the LM text's extra sentences draw the
    # very sentences that went to dev and test.
    plan = plan_corpus(cfg, sentences=extra[:60])
    held_out = {u.text for u in plan if u.split != "train"}
    assert held_out & set(extra), "precondition: the extra LM sentences include dev/test ones"
    path = write_lm_text(tmp_path / "lm_text.txt", plan, cfg)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert not held_out & set(lines)
    train = [u.text for u in plan if u.split == "train"]
    assert lines[: len(train)] == train
    assert set(lines) == set(train) | (set(extra) - held_out)


def test_synth_command_lm_text_excludes_dev_and_test_and_lm_build_keeps_them_out(tmp_path):
    # The corpus sentences are the generator's own, as above, so dev/test sentences are
    # drawn again for the LM text and must be dropped there.
    lm_sentences = 40
    source = SentenceGenerator(seed=0 + LM_TEXT_SEED_OFFSET).sentences(lm_sentences)
    text = tmp_path / "sentences.txt"
    text.write_text("\n".join(source[:12]) + "\n", encoding="utf-8")
    data = tmp_path / "data"
    proc = cli("synth", "--out", data, "--text", text, "--hours", "0.004", "--seed", "0", "--noise-prob", "0",
               "--lm-sentences", lm_sentences, "--workers", "1")
    assert proc.returncode == 0, proc.stderr[-2000:]
    splits = {s: [e["text"] for e in read_manifest(data / f"{s}.jsonl", resolve_paths=False)]
              for s in ("train", "dev", "test")}
    held_out = set(splits["dev"]) | set(splits["test"])
    assert splits["dev"] and splits["test"] and held_out <= set(source)
    lm_text = data / "lm_text.txt"
    assert json.loads((data / "corpus.json").read_text())["lm_text"] == str(lm_text)
    lines = lm_text.read_text(encoding="utf-8").splitlines()
    assert not held_out & set(lines)
    assert set(splits["train"]) <= set(lines) and set(lines) == set(splits["train"]) | (set(source) - held_out)
    # recipes/synth/run.sh stage 2: the LM from lm_text.txt, dev and test excluded once more
    arpa = tmp_path / "lm.arpa"
    proc = cli("lm", "build", lm_text, "-o", arpa, "--order", "4", "--exclude", data / "dev.jsonl", data / "test.jsonl")
    assert proc.returncode == 0, proc.stderr
    check_lm(arpa, lines, sorted(held_out), order=4)
