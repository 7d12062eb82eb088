import json

import soundfile as sf

from gru_asr.data import read_manifest
from gru_asr.synth.corpus import SynthConfig, all_voices, build_corpus, plan_corpus, split_voices


def test_enough_voices_across_accents():
    voices = all_voices()
    assert len(voices) >= 20
    assert len({v.split("+")[0] for v in voices}) >= 6


def test_plan_is_deterministic_and_test_voices_and_sentences_are_unseen():
    cfg = SynthConfig(hours=0.2, seed=3)
    a, b = plan_corpus(cfg), plan_corpus(cfg)
    assert a == b
    by_split = {s: [u for u in a if u.split == s] for s in ("train", "dev", "test")}
    assert all(by_split.values())
    train_voices = {u.voice for u in by_split["train"]}
    train_texts = {u.text for u in by_split["train"]}
    for held_out in ("dev", "test"):
        assert not train_voices & {u.voice for u in by_split[held_out]}
        assert not train_texts & {u.text for u in by_split[held_out]}
    assert plan_corpus(SynthConfig(hours=0.2, seed=4)) != a


def test_given_sentences_are_read_once_and_running_out_is_reported(caplog):
    sentences = [f"sentence number {i}" for i in range(300)]
    with caplog.at_level("WARNING", logger="gru_asr.synth.corpus"):
        plan = plan_corpus(SynthConfig(hours=1.0, seed=0), sentences)
    texts = [u.text for u in plan]
    assert len(texts) == len(set(texts)) == 300  # every sentence once, none twice
    assert "ran out of sentences" in caplog.text and "from 300 sentences" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING", logger="gru_asr.synth.corpus"):
        plan_corpus(SynthConfig(hours=0.05, seed=0), sentences)
    assert "ran out" not in caplog.text


def test_voice_split_is_disjoint():
    v = split_voices(SynthConfig())
    assert not set(v["train"]) & set(v["test"]) and not set(v["dev"]) & set(v["test"])


def test_build_small_corpus(tmp_path):
    summary = build_corpus(tmp_path, SynthConfig(hours=0.01, seed=1, noise_prob=1.0), workers=1)
    for split in ("train", "dev", "test"):
        entries = read_manifest(tmp_path / f"{split}.jsonl")
        assert entries, split
        for e in entries:
            info = sf.info(e["audio"])
            assert info.samplerate == 16000 and info.channels == 1
            assert abs(info.duration - e["duration"]) < 0.01
            assert e["text"] and e["text"] == e["text"].lower()
    assert json.loads((tmp_path / "corpus.json").read_text())["splits"]["train"]["utterances"] == summary["splits"]["train"]["utterances"]
