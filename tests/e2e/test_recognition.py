"""A trained model recognises speech it has never heard: a small BiGRU-CTC model is
trained for about half a minute (2 CPU cores) on synthetic digit strings ("four one nine two") and must
reach a stated WER on the test split, whose voices and digit strings never occur in
training. A decoder that returns "" (100 % WER), a model that did not learn, or a
train/test mix-up fails here; tests/e2e/test_end_to_end.py checks only the plumbing.

The same model then goes through what a user does next: an n-gram LM and lexicon
from the training text (dev and test excluded), ``tune-lm`` over a 4 x 3 grid on dev,
and ``evaluate`` with the decoder it wrote.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gru_asr.data import read_manifest
from gru_asr.synth.corpus import SynthConfig, build_corpus

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

WORDS = "zero one two three four five six seven eight nine".split()
SEED = 0
# Training takes ~30 s on 2 idle CPU cores (500 steps); the dev WER levels off after
# about 10 of the 20 epochs.
TRAIN_OVERRIDES = [
    "augment=none", "frontend.n_mels=40",
    "encoder.hidden_size=64", "encoder.num_layers=2", "encoder.dropout=0.0", "encoder.subsampling.channels=[16,16]",
    "optim.lr=3e-3", "optim.scheduler.warmup_steps=20",
    "data.batch_seconds=20", "data.num_workers=0", "data.stats_utterances=100",
    "trainer.max_epochs=20", "trainer.enable_progress_bar=false", "trainer.log_every_n_steps=5", "num_threads=2",
]


def cli(*args, **kw):
    kw.setdefault("timeout", 600)
    return subprocess.run([sys.executable, "-m", "gru_asr", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, **kw)


def digit_strings(n: int, seed: int) -> list[str]:
    """``n`` distinct strings of 3-5 digit words."""
    rng = random.Random(seed)
    out: dict[str, None] = {}
    while len(out) < n:
        out.setdefault(" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 5))), None)
    return list(out)


def make_corpus(data: Path, seed: int = SEED) -> None:
    # ~6 min of training speech; test and dev are whole voices and digit strings held
    # out (gru_asr/synth/corpus.py), larger fractions than the default so that the WER
    # is measured on ~150 words.
    cfg = SynthConfig(hours=0.1, dev_fraction=0.08, test_fraction=0.15, noise_prob=0.3, seed=seed)
    build_corpus(data, cfg, sentences=digit_strings(1000, seed), workers=2)


def train(data: Path, exp: Path, seed: int = SEED, extra: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    return cli("train", f"exp_dir={exp}", f"data.train={data / 'train.jsonl'}", f"data.dev={data / 'dev.jsonl'}",
               f"seed={seed}", *TRAIN_OVERRIDES, *extra)


def evaluate(model: Path, manifest: Path, *decoder: str) -> dict:
    proc = cli("evaluate", "--model", model, manifest, "--json", *decoder)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("recognition")
    make_corpus(root / "data")
    proc = train(root / "data", root / "exp")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return root / "data", root / "exp" / "model.safetensors"


@pytest.fixture(scope="module")
def lm(trained, tmp_path_factory):
    data, model = trained
    out = tmp_path_factory.mktemp("lm")
    proc = cli("lm", "build", data / "train.jsonl", "-o", out / "lm.arpa", "--order", "3", "--model", model,
               "--lexicon", out / "lexicon.txt", "--exclude", data / "dev.jsonl", data / "test.jsonl")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out / "lm.arpa", out / "lexicon.txt"


def test_the_test_split_is_unseen_voices_saying_unseen_digit_strings(trained):
    data, _ = trained
    split = {s: read_manifest(data / f"{s}.jsonl") for s in ("train", "dev", "test")}
    assert len(split["test"]) >= 25 and sum(len(e["text"].split()) for e in split["test"]) >= 100
    for held_out in ("dev", "test"):
        assert not {e["speaker"] for e in split[held_out]} & {e["speaker"] for e in split["train"]}
        assert not {e["text"] for e in split[held_out]} & {e["text"] for e in split["train"]}


# Greedy test WER, measured on 2 CPU cores (2026-12-04, 141-144 test words): corpus seed 0
# with training seeds 0-4: 15.28, 15.28, 9.72, 15.97, 15.28 %; corpus seed 1 with training
# seeds 0, 1: 12.06, 11.35 %; pytest runs of this file (corpus and training seed 0): 13.19,
# 11.81 % (training is not bit-reproducible run to run). The bound is
# about twice the worst; a decoder that returns "" scores 100 %, a model stopped after 8
# epochs 89 %.
GREEDY_WER_BOUND = 30.0


def test_greedy_wer_on_unseen_voices_and_sentences(trained):
    data, model = trained
    summary = evaluate(model, data / "test.jsonl", "--decoder", "greedy")
    assert summary["utterances"] == len(read_manifest(data / "test.jsonl")) and summary["skipped"] == 0
    print("greedy test", summary)  # shown with -rP: the number to compare with the measurements
    assert summary["wer"] <= GREEDY_WER_BOUND, summary


# beam_lm test WER (3-gram LM + lexicon from the training text, lm_weight 1, word_score 0,
# beam 20), measured with the same seven models as above: 2.78, 1.39, 1.39, 2.78, 2.08 %;
# 2.84, 3.55 %; pytest runs of this file: 2.78, 2.08 %. The lexicon repairs the greedy misspellings.
BEAM_LM_WER_BOUND = 10.0


def test_beam_lm_wer_with_an_lm_from_the_training_text(trained, lm):
    data, model = trained
    arpa, lexicon = lm
    summary = evaluate(model, data / "test.jsonl", "--decoder", "beam_lm", "--lm", arpa, "--lexicon", lexicon,
                       "--lm-weight", "1.0", "--word-score", "0.0", "--beam-size", "20")
    print("beam_lm test", summary)
    assert summary["wer"] <= BEAM_LM_WER_BOUND, summary
    greedy = evaluate(model, data / "test.jsonl", "--decoder", "greedy")
    assert summary["wer"] <= greedy["wer"], (summary, greedy)


def test_tune_lm_on_dev_picks_the_lowest_wer_and_its_decoder_reproduces_it(trained, lm, tmp_path):
    # On digit strings the LM is nearly uniform, so this grid is flat (measured: 5.19 % dev
    # WER at every point); tests/unit/test_tune_lm_grid.py has a grid where the LM matters.
    # Here: the command on a real model and dev set, and its written decoder.
    data, model = trained
    arpa, lexicon = lm
    weights, scores = [0.0, 0.5, 1.0, 2.0], [-1.0, 0.0, 1.0]
    decoder = tmp_path / "decoder.yaml"
    proc = cli("tune-lm", "--model", model, data / "dev.jsonl", "--lm", arpa, "--lexicon", lexicon,
               "--lm-weights=" + ",".join(map(str, weights)), "--word-scores=" + ",".join(map(str, scores)),
               "--beam-size", "20", "--write", decoder)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    print(proc.stdout)
    rows = [tuple(map(float, line.split())) for line in lines[1 : 1 + len(weights) * len(scores)]]
    # columns: lm_weight, word_score, prior_scale (0: no --prior), WER, CER
    assert sorted((w, s) for w, s, _, _, _ in rows) == sorted((w, s) for w in weights for s in scores)
    assert all(ps == 0.0 for _, _, ps, _, _ in rows)
    assert rows[0][3:] == min((wer, cer) for _, _, _, wer, cer in rows)
    chosen = yaml.safe_load(decoder.read_text())
    assert (chosen["lm_weight"], chosen["word_score"]) == rows[0][:2]
    # The written decoder, used as the README says (evaluate --decoder FILE), gives the
    # WER that tune-lm reported for it.
    summary = evaluate(model, data / "dev.jsonl", "--decoder", decoder)
    assert summary["wer"] == pytest.approx(rows[0][3], abs=0.01)


def test_time_to_accuracy_reads_the_runs_training_clock(trained):
    # Every validation logs train_seconds beside val_wer; the bench reads the first
    # validation at or under the target from them.
    _, model = trained
    run = model.parent
    proc = subprocess.run([sys.executable, str(ROOT / "tools/bench/time_to_accuracy.py"), "--run", str(run),
                           "--target", "0.5"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[-1].startswith("minutes_to_50pct_wer: ")
    minutes = float(lines[-1].split(": ")[1])
    total = json.loads((run / "train_result.json").read_text())["train_seconds"] / 60
    assert 0 < minutes <= total + 0.05
