"""Corpus preparation on fixture trees in each corpus's exact layout, and on the
real slices in ../shared/data when they are present."""

import numpy as np
import pytest
import soundfile as sf

from gru_asr.corpora import prepare_an4, prepare_commonvoice, prepare_librispeech
from gru_asr.data import read_manifest
from tests.conftest import SHARED_DATA


def tone(path, seconds, sr=16000, fmt=None, subtype=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.full(int(seconds * sr), 0.01, dtype=np.float32), sr, format=fmt, subtype=subtype)


def test_an4_fixture_with_test_partition_and_speaker_disjoint_dev(tmp_path):
    root = tmp_path / "an4"
    lines, test_lines = [], []
    for spk in ["fash", "fbbh", "fclc", "mabc", "mdef"]:
        for n in range(2):
            utt = f"an{n}{len(lines)}-{spk}-b"
            tone(root / "wav/an4_clstk" / spk / f"{utt}.wav", 1.0 + n)
            lines.append(f"<s> YES {n} </s> ({utt})")
    tone(root / "wav/an4test_clstk/fcaw/cen1-fcaw-b.sph", 1.5, fmt="NIST", subtype="PCM_16")
    test_lines.append("<s> ENTER FOUR </s> (cen1-fcaw-b)")
    (root / "etc").mkdir(parents=True)
    (root / "etc/an4_train.transcription").write_text("\n".join(lines) + "\n")
    (root / "etc/an4_test.transcription").write_text("\n".join(test_lines) + "\n")
    out = prepare_an4(root, tmp_path / "out", dev_speakers=2)
    train, dev, test = (read_manifest(out[s]) for s in ("train", "dev", "test"))
    assert len(train) == 6 and len(dev) == 4 and len(test) == 1
    assert not {e["speaker"] for e in train} & {e["speaker"] for e in dev}
    assert test[0]["id"] == "cen1-fcaw-b" and test[0]["text"] == "ENTER FOUR" and test[0]["duration"] == 1.5
    assert {e["duration"] for e in train + dev} == {1.0, 2.0}
    # AN4-style text for synthetic speech: the training transcripts, never a dev one
    synth_text = (tmp_path / "out/synth_text.txt").read_text().splitlines()
    assert {e["text"].lower() for e in train} <= set(synth_text)
    assert len(synth_text) == len({e["text"] for e in train}) + 4000
    # run.sh asks for more sentences when it builds more hours of synthetic speech
    prepare_an4(root, tmp_path / "more", dev_speakers=2, synth_sentences=6000)
    more = (tmp_path / "more/synth_text.txt").read_text().splitlines()
    assert len(more) == len({e["text"] for e in train}) + 6000 and more[: len(synth_text)] == synth_text


def test_an4_style_sentences_are_seeded_spoken_letters_and_numbers():
    from gru_asr.corpora.an4 import an4_style_sentences
    from gru_asr.synth.text_generator import normalize_spoken

    a = an4_style_sentences(["R O B E R T", "ENTER FIVE", "R O B E R T"], count=500, seed=3)
    assert a == an4_style_sentences(["ENTER FIVE", "R O B E R T"], count=500, seed=3)  # order/duplicates do not matter
    assert a[:2] == ["enter five", "r o b e r t"]
    generated = a[2:]
    assert len(generated) == 500 and generated != an4_style_sentences([], count=500, seed=4)
    assert all(s == normalize_spoken(s) for s in generated)  # already in spoken form: what espeak reads is the target
    single_letters = sum(len(w) == 1 for s in generated for w in s.split())
    digit_words = sum(w in {"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "oh"} for s in generated for w in s.split())
    assert single_letters > 1000 and digit_words > 300  # mostly spelled letters and digits, as in AN4


def test_librispeech_fixture(tmp_path):
    base = tmp_path / "LibriSpeech"
    for split, spk, chap, n in [("dev-clean", "84", "121123", 3), ("test-other", "1688", "142285", 2)]:
        d = base / split / spk / chap
        texts = []
        for i in range(n):
            utt = f"{spk}-{chap}-{i:04d}"
            tone(d / f"{utt}.flac", 0.5 + i, fmt="FLAC")
            texts.append(f"{utt} WORDS NUMBER {i}")
        (d / f"{spk}-{chap}.trans.txt").write_text("\n".join(texts) + "\n")
    out = prepare_librispeech(tmp_path, tmp_path / "out")
    assert set(out) == {"dev-clean", "test-other"}
    dev = read_manifest(out["dev-clean"])
    assert [e["id"] for e in dev] == ["84-121123-0000", "84-121123-0001", "84-121123-0002"]
    assert [e["duration"] for e in dev] == [0.5, 1.5, 2.5] and dev[2]["text"] == "WORDS NUMBER 2"


def test_librispeech_any_subset_name_and_opus_audio(tmp_path):
    # Mini LibriSpeech's train-clean-5 in the layout of the shared copy: Ogg Opus audio.
    d = tmp_path / "LibriSpeech" / "train-clean-5" / "1088" / "134315"
    texts = []
    for i in range(2):
        utt = f"1088-134315-{i:04d}"
        tone(d / f"{utt}.opus", 1.0 + i, fmt="OGG", subtype="OPUS")
        texts.append(f"{utt} READ ENGLISH {i}")
    (d / "1088-134315.trans.txt").write_text("\n".join(texts) + "\n")
    (tmp_path / "LibriSpeech" / "notes").mkdir()  # a folder without the layout is no split
    out = prepare_librispeech(tmp_path, tmp_path / "out")
    assert set(out) == {"train-clean-5"}
    entries = read_manifest(out["train-clean-5"])
    assert [e["audio"].endswith(".opus") for e in entries] == [True, True]
    assert [round(e["duration"], 1) for e in entries] == [1.0, 2.0] and entries[1]["text"] == "READ ENGLISH 1"


def test_commonvoice_fixture(tmp_path):
    base = tmp_path / "cv" / "en"
    tone(base / "clips/a.mp3", 1.0, sr=48000, fmt="MP3", subtype="MPEG_LAYER_III")
    tone(base / "clips/b.mp3", 2.0, sr=48000, fmt="MP3", subtype="MPEG_LAYER_III")
    header = "client_id\tpath\tsentence\tup_votes\tdown_votes\n"
    (base / "train.tsv").write_text(header + "c1\ta.mp3\tHello there.\t2\t0\n")
    (base / "test.tsv").write_text(header + 'c2\tb.mp3\t"Quoted" words\t2\t0\n')
    out = prepare_commonvoice(tmp_path / "cv", tmp_path / "out", locale="en")
    train, test = read_manifest(out["train"]), read_manifest(out["test"])
    assert train[0]["text"] == "Hello there." and abs(train[0]["duration"] - 1.0) < 0.1
    assert test[0]["text"] == '"Quoted" words' and abs(test[0]["duration"] - 2.0) < 0.1


needs_shared = pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data is not present")


@needs_shared
def test_real_an4_training_partition(tmp_path):
    out = prepare_an4(SHARED_DATA / "an4", tmp_path)
    train, dev = read_manifest(out["train"]), read_manifest(out["dev"])
    assert len(train) + len(dev) == 948 and len({e["speaker"] for e in dev}) == 8
    assert "test" not in out  # the shared slice has no test partition
    hours = sum(e["duration"] for e in train + dev) / 3600
    assert 0.6 < hours < 0.8


@needs_shared
def test_real_librispeech_slice(tmp_path):
    out = prepare_librispeech(SHARED_DATA / "librispeech-subset", tmp_path)
    dev = read_manifest(out["dev-clean"])
    assert len(dev) == 292 and {e["speaker"] for e in dev} == {"84", "174", "1272", "2277"}
    assert all(e["text"].isupper() and e["duration"] > 0 for e in dev)


@needs_shared
def test_real_mini_librispeech_train_clean_5(tmp_path):
    out = prepare_librispeech(SHARED_DATA / "mini-librispeech", tmp_path)
    train = read_manifest(out["train-clean-5"])
    assert set(out) == {"train-clean-5"}
    assert len(train) == 1519 and len({e["speaker"] for e in train}) == 28
    assert 5.0 < sum(e["duration"] for e in train) / 3600 < 5.6


@needs_shared
def test_real_ljspeech_part_in_opus(tmp_path):
    from gru_asr.corpora import PREPARERS

    out = PREPARERS["ljspeech"](SHARED_DATA / "ljspeech-part", tmp_path)
    entries = [e for path in out.values() for e in read_manifest(path)]
    assert len(entries) == 385 and all(e["audio"].endswith(".opus") for e in entries)
    assert 0.6 < sum(e["duration"] for e in entries) / 3600 < 0.8


@needs_shared
def test_real_commonvoice_sample(tmp_path):
    out = prepare_commonvoice(SHARED_DATA / "commonvoice-en-sample", tmp_path, locale="en")
    entries = read_manifest(out["validated"])
    assert len(entries) == 30 and all(e["duration"] > 0.5 for e in entries)
