"""The TED-LIUM 3, LJSpeech and Common Voice recipes on small trees in each corpus's
exact layout, made of real speech from ../shared/data (LibriSpeech chapters joined into
TED-LIUM "talks" with STM segment times; LibriSpeech utterances resampled to 22050 Hz
as LJSpeech clips; the Common Voice sample re-split into train/dev/test .tsv files).

TED-LIUM runs every stage (segments with offsets through training, LM tuning and
evaluation); LJSpeech and Common Voice run their corpus-specific stages 0-2 (stages
3-8 are the same code in every recipe, checked by tests/unit/test_corpora_fixtures.py
and run here and in test_librispeech_recipe.py)."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch
import torchaudio.functional as AF

from gru_asr.data import read_manifest
from tests.conftest import SHARED_DATA

ROOT = Path(__file__).resolve().parents[2]
LIBRI = SHARED_DATA / "librispeech-subset" / "LibriSpeech" / "dev-clean"
CV = SHARED_DATA / "commonvoice-en-sample" / "en"
pytestmark = [pytest.mark.slow, pytest.mark.data]
needs_libri = pytest.mark.skipif(not LIBRI.is_dir(), reason="../shared/data/librispeech-subset is not present")


def env():
    return dict(os.environ, PATH=f"{Path(sys.executable).parent}:{os.environ['PATH']}",
                PYTHON=sys.executable, LM_WEIGHTS="0.5", WORD_SCORES="0.0")


def run(recipe, *args):
    cmd = ["bash", f"recipes/{recipe}/run.sh", *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env(), timeout=900)


def chapter(path):
    """[(utterance id, samples, transcript)] of one LibriSpeech chapter folder."""
    spk, chap = path.parent.name, path.name
    lines = (path / f"{spk}-{chap}.trans.txt").read_text().splitlines()
    out = []
    for line in lines:
        utt, text = line.split(" ", 1)
        audio, sr = sf.read(path / f"{utt}.flac", dtype="float32")
        assert sr == 16000
        out.append((utt, audio, text))
    return out


# --- TED-LIUM 3 --------------------------------------------------------------

TALKS = {"data": ["1272/128104", "174/84280", "84/121123"], "legacy/dev": ["2277/149874"], "legacy/test": ["174/50561"]}


def tedlium_style(text):
    """LibriSpeech text in TED-LIUM's conventions: lower case, split contractions."""
    return text.lower().replace("'", " '")


def write_talk(folder, talk, utterances):
    """One long .sph: 0.6 s gaps between utterances, plus a 1 s stretch of noise
    that the STM marks ignore_time_segment_in_scoring."""
    gap = np.zeros(int(0.6 * 16000), np.float32)
    pieces, lines, t = [gap], [], 0.6
    noise = (0.01 * np.random.default_rng(0).standard_normal(16000)).astype(np.float32)
    pieces.append(noise)
    lines.append(f"{talk} 1 {talk} {t:.2f} {t + 1.0:.2f} <NA> ignore_time_segment_in_scoring")
    t += 1.0
    for n, (_, audio, text) in enumerate(utterances):
        pieces += [gap, audio]
        t += 0.6
        end = t + len(audio) / 16000
        markup = " {NOISE}" if n % 3 == 0 else ""
        lines.append(f"{talk} 1 {talk} {t:.2f} {end:.2f} <o,f0,male> {tedlium_style(text)}{markup}")
        t = end
    for kind in ("stm", "sph"):
        (folder / kind).mkdir(parents=True, exist_ok=True)
    sf.write(folder / "sph" / f"{talk}.sph", np.concatenate(pieces), 16000, format="NIST", subtype="PCM_16")
    (folder / "stm" / f"{talk}.stm").write_text("\n".join(lines) + "\n")


@needs_libri
def test_tedlium3_recipe_end_to_end(tmp_path):
    base = tmp_path / "TEDLIUM_release-3"
    expected = {}
    for folder, chapters in TALKS.items():
        split = "train" if folder == "data" else folder.split("/")[1]
        for chap in chapters:
            utts = chapter(LIBRI / chap)
            write_talk(base / folder, "Talk_" + chap.replace("/", "_"), utts)
            expected.setdefault(split, []).extend(text.lower() for _, _, text in utts)
    data, exp = tmp_path / "data", tmp_path / "exp"
    args = ["--root", base, "--data", data, "--exp", exp, "--experiment", "ted_tiny", "--average", "2",
            "--lm-order", "2", "--beam-size", "8"]
    first = run("tedlium3", *args)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]

    for split in ("train", "dev", "test"):
        entries = read_manifest(data / f"{split}.jsonl")
        # every utterance is a segment; the ignore segments and {NOISE} markup are gone,
        # and the split contractions are joined back into LibriSpeech's spelling
        assert sorted(e["text"] for e in entries) == sorted(expected[split]), split
        assert all(e["offset"] >= 1.6 and e["audio"].endswith(".sph") for e in entries)
    for split, n in [("dev", 22), ("test", 20)]:
        for dec in ("greedy", "beam_lm"):
            res = json.loads((exp / f"eval_{split}_{dec}/results.json").read_text())
            assert res["utterances"] == n and res["skipped"] == 0, (split, dec)
    result = json.loads((exp / "train_result.json").read_text())
    assert result["steps"] == 3 and result["skipped_utterances"] == 0
    assert (exp / "final.safetensors").is_file() and (exp / "lm/decoder.yaml").is_file()

    second = run("tedlium3", *args, "--stop-stage", "7")
    assert second.returncode == 0 and second.stdout.count("skipping") == 7  # stage 2 (char) trains nothing


# --- LJSpeech: stages 0-2 ------------------------------------------------------

@needs_libri
def test_ljspeech_recipe_prepare_statistics_tokenizer(tmp_path):
    base = tmp_path / "LJSpeech-1.1"
    (base / "wavs").mkdir(parents=True)
    rows = []
    for book, chap in [("LJ001", "2277/149874"), ("LJ002", "174/50561"), ("LJ003", "84/121123")]:
        for n, (_, audio, text) in enumerate(chapter(LIBRI / chap), 1):
            clip = f"{book}-{n:04d}"
            wav = AF.resample(torch.from_numpy(audio), 16000, 22050).numpy()
            sf.write(base / "wavs" / f"{clip}.wav", wav, 22050, subtype="PCM_16")
            rows.append(f"{clip}|{text.capitalize()}.|{text.capitalize()}.")
    (base / "metadata.csv").write_text("\n".join(rows) + "\n")
    data, exp = tmp_path / "data", tmp_path / "exp"
    proc = run("ljspeech", "--root", base, "--data", data, "--exp", exp, "--stop-stage", "2", "--tokenizer", "bpe",
               "--vocab-size", "48")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    counts = {s["manifest"].rsplit("/", 1)[1]: s["utterances"] for s in json.loads((data / "statistics.json").read_text())}
    assert counts == {"train.jsonl": 29, "dev.jsonl": 22, "test.jsonl": 20}
    train = read_manifest(data / "train.jsonl")
    assert all(e["id"].startswith("LJ003-") for e in train)
    assert (exp / "conf/tokenizer/bpe48.yaml").is_file() and (exp / "conf/experiment/lj_tiny.yaml").is_file()


# --- Common Voice: stages 0-2 --------------------------------------------------

@pytest.mark.skipif(not CV.is_dir(), reason="../shared/data/commonvoice-en-sample is not present")
def test_commonvoice_recipe_prepare_statistics_tokenizer(tmp_path):
    locale = tmp_path / "cv" / "en"
    locale.mkdir(parents=True)
    (locale / "clips").symlink_to(CV / "clips", target_is_directory=True)
    with open(CV / "validated.tsv", encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        fields, rows = reader.fieldnames, list(reader)
    for name, part in [("train", rows[:20]), ("dev", rows[20:25]), ("test", rows[25:])]:
        with open(locale / f"{name}.tsv", "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\")
            w.writeheader()
            w.writerows(part)
    data, exp = tmp_path / "data", tmp_path / "exp"
    proc = run("commonvoice", "--root", tmp_path / "cv", "--locale", "en", "--data", data, "--exp", exp, "--stop-stage", "2")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    counts = {s["manifest"].rsplit("/", 1)[1]: s["utterances"] for s in json.loads((data / "statistics.json").read_text())}
    assert counts == {"train.jsonl": 20, "dev.jsonl": 5, "test.jsonl": 5}
    assert "stage 2: character tokenizer" in proc.stdout  # English: characters
    # Any other locale gets a BPE tokenizer by default (the char one spells English only).
    other = run("commonvoice", "--locale", "xx", "--data", data, "--exp", tmp_path / "e2", "--stage", "2",
                "--stop-stage", "2", "--vocab-size", "40")
    assert other.returncode == 0 and (tmp_path / "e2/conf/tokenizer/bpe40.yaml").is_file(), other.stderr[-2000:]
    # A release without train.tsv/dev.tsv (like the shared sample itself) is refused at stage 0.
    refused = run("commonvoice", "--root", CV.parent, "--locale", "en", "--data", tmp_path / "d3",
                  "--exp", tmp_path / "e3", "--stop-stage", "0")
    assert refused.returncode == 1 and "train.tsv" in refused.stderr
