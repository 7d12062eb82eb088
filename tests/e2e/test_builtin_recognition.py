"""The built-in model recognises real read English to the WER its card states: `gru-asr
evaluate` with no --model (the built-in model and its LM decoder, as `gru-asr transcribe`
uses them) on the first utterances of the LibriSpeech dev-clean slice, never trained on.

tools/build_builtin_model.py measured the card's figures through the same folder; the
first ``ci_subset.utterances`` of the slice keep this test near a minute on 2 cores.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gru_asr.pretrained import builtin_card
from tests.conftest import SHARED_DATA

ROOT = Path(__file__).resolve().parents[2]
DEV = SHARED_DATA / "librispeech-subset"
pytestmark = [pytest.mark.slow, pytest.mark.data,
              pytest.mark.skipif(not (DEV / "LibriSpeech" / "dev-clean").is_dir(),
                                 reason="../shared/data/librispeech-subset is not present")]
# Emissions computed with another thread count can move a beam search by a word or two.
TOLERANCE = 0.5


def cli(*args, **kw):
    return subprocess.run([sys.executable, "-m", "gru_asr", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=600, **kw)


def test_the_builtin_model_reaches_its_stated_wer_on_unseen_read_speech(tmp_path):
    card = builtin_card()
    subset = card["ci_subset"]
    prep = cli("prepare", "librispeech", "--root", DEV, "--out", tmp_path)
    assert prep.returncode == 0, prep.stderr
    lines = (tmp_path / "dev-clean.jsonl").read_text().splitlines()
    manifest = tmp_path / "dev_subset.jsonl"
    manifest.write_text("\n".join(lines[: subset["utterances"]]) + "\n")

    with_lm = cli("evaluate", manifest, "--json")
    assert with_lm.returncode == 0, with_lm.stderr[-2000:]
    report = json.loads(with_lm.stdout.splitlines()[-1])
    assert report["decoder"] == "beam_lm" and report["utterances"] == subset["utterances"]
    assert abs(report["wer"] - subset["wer_beam_lm"]) <= TOLERANCE, (report, subset)

    greedy = cli("evaluate", manifest, "--json", "--decoder", "greedy")
    assert greedy.returncode == 0, greedy.stderr[-2000:]
    greedy_wer = json.loads(greedy.stdout.splitlines()[-1])["wer"]
    assert abs(greedy_wer - subset["wer_greedy"]) <= TOLERANCE
    # The LM is what makes it usable: it must take a large share of the greedy errors away.
    assert report["wer"] < greedy_wer - 10
