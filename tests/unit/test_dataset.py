import json

import numpy as np
import pytest
import soundfile as sf
import torch

from gru_asr.data import read_manifest, write_manifest
from gru_asr.data.dataset import SpeechDataset, collate
from gru_asr.text import TextNormalizer
from gru_asr.tokenizers import CharTokenizer


def make_manifest(tmp_path):
    sr = 16000
    good = tmp_path / "good.wav"
    sf.write(good, (0.1 * np.random.default_rng(0).standard_normal(sr)).astype(np.float32), sr)
    short = tmp_path / "short.wav"
    sf.write(short, np.zeros(800, dtype=np.float32), sr)
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"not audio" * 20)
    entries = [
        {"id": "good", "audio": str(good), "duration": 1.0, "text": "Hello, World!"},
        {"id": "missing", "audio": str(tmp_path / "nope.wav"), "duration": 1.0, "text": "hi"},
        {"id": "junk", "audio": str(junk), "duration": 1.0, "text": "hi"},
        {"id": "empty_text", "audio": str(good), "duration": 1.0, "text": "  ?! "},
        {"id": "odd_chars", "audio": str(good), "duration": 1.0, "text": "na\u00efve \u4f60\u597d"},
        {"id": "too_short", "audio": str(short), "duration": 0.05, "text": "a much too long transcript for this"},
    ]
    return write_manifest(tmp_path / "m.jsonl", entries)


def test_manifest_round_trip_with_relative_paths(tmp_path):
    path = make_manifest(tmp_path)
    raw = [json.loads(x) for x in path.read_text().splitlines()]
    assert raw[0]["audio"] == "good.wav"  # stored relative to the manifest
    entries = read_manifest(path)
    assert entries[0]["audio"] == str(tmp_path / "good.wav") and entries[0]["duration"] == 1.0


def test_bad_entries_are_skipped_and_reported_by_id(tmp_path):
    entries = read_manifest(make_manifest(tmp_path))
    ds = SpeechDataset(entries, 16000, TextNormalizer(), CharTokenizer(), max_output_frames=lambda n: n // 640)
    assert set(ds.report.skipped) == {"empty_text", "odd_chars"}  # text problems: found up front
    batch = collate([ds[i] for i in range(len(ds))])
    assert batch["ids"] == ["good"] and batch["texts"] == ["hello world"]
    reasons = dict(batch["skipped"])
    assert set(reasons) == {"missing", "junk", "too_short"}
    assert "not found" in reasons["missing"] and "too short" in reasons["too_short"]
    assert batch["audio"].shape == (1, 16000) and batch["tokens"].shape == (1, 11)


def test_collate_pads_and_keeps_lengths():
    items = [
        {"id": "a", "audio": torch.ones(5), "tokens": torch.tensor([1, 2]), "text": "ab"},
        {"id": "b", "audio": torch.ones(3), "tokens": torch.tensor([3]), "text": "c"},
    ]
    b = collate(items)
    assert b["audio_lens"].tolist() == [5, 3] and b["audio"][1, 3:].sum() == 0
    assert b["token_lens"].tolist() == [2, 1] and b["tokens"][1].tolist() == [3, 0]


def test_all_bad_batch_is_empty_not_an_error():
    b = collate([{"id": "x", "error": "file not found"}])
    assert b["size"] == 0 and b["skipped"] == [("x", "file not found")]


def test_speed_perturbation_changes_length_and_noise_hits_the_snr(tmp_path):
    from gru_asr.data.augment import WaveformAugmentConfig, WaveformAugmenter

    aug = WaveformAugmenter(WaveformAugmentConfig(), 16000)
    wav = torch.sin(torch.arange(16000) * 0.05) * 0.5
    assert abs(aug.speed(wav, 1.1).numel() - 16000 / 1.1) < 2
    assert abs(aug.speed(wav, 0.9).numel() - 16000 / 0.9) < 2
    noise = torch.randn(4000)
    mixed = aug.add_noise(wav, noise, snr_db=10.0)
    added = mixed - wav
    snr = 10 * torch.log10(wav.pow(2).mean() / added.pow(2).mean())
    assert abs(float(snr) - 10.0) < 0.01


@pytest.mark.parametrize("orig", [14400, 17600, 15200, 44100, 8000])
def test_polyphase_resampler_equals_torchaudio_resample(orig):
    import torchaudio

    from gru_asr.data.augment import PolyphaseResampler

    ours = PolyphaseResampler(orig, 16000)
    theirs = torchaudio.transforms.Resample(orig, 16000)
    for length in (1, 9, 101, 16001):
        wav = torch.randn(length)
        torch.testing.assert_close(ours(wav), theirs(wav), atol=1e-6, rtol=1e-5)
    stereo = torch.randn(2, 3001)
    torch.testing.assert_close(ours(stereo), theirs(stereo), atol=1e-6, rtol=1e-5)


def test_collate_matches_zero_padding_item_by_item():
    gen = torch.Generator().manual_seed(0)
    items = [
        {"id": str(i), "audio": torch.randn(int(n), generator=gen), "tokens": torch.randint(1, 29, (int(t),), generator=gen), "text": "x"}
        for i, (n, t) in enumerate([(1600, 5), (48000, 40), (7, 1), (23999, 17)])
    ]
    b = collate(items)
    assert b["audio"].shape == (4, 48000) and b["audio"].dtype == torch.float32
    assert b["tokens"].shape == (4, 40) and b["tokens"].dtype == torch.long
    for i, it in enumerate(items):
        n, t = it["audio"].numel(), it["tokens"].numel()
        assert torch.equal(b["audio"][i, :n], it["audio"]) and not b["audio"][i, n:].any()
        assert torch.equal(b["tokens"][i, :t], it["tokens"]) and not b["tokens"][i, t:].any()


def test_a_segment_at_offset_zero_is_read_as_a_segment(tmp_path):
    """offset 0.0 is the first segment of a long recording, not the whole file."""
    import soundfile as sf

    from gru_asr.data.manifest import read_manifest, segment_bounds, write_manifest

    sf.write(tmp_path / "long.wav", torch.zeros(16000 * 5).numpy(), 16000)
    entries = [{"id": "seg0", "audio": str(tmp_path / "long.wav"), "duration": 1.5, "offset": 0.0, "text": "a"},
               {"id": "whole", "audio": str(tmp_path / "long.wav"), "duration": 5.0, "text": "b"}]
    path = write_manifest(tmp_path / "m.jsonl", entries)
    seg0, whole = read_manifest(path)
    assert segment_bounds(seg0) == (0.0, 1.5)
    assert segment_bounds(whole) == (0.0, None)


def test_evaluation_streams_a_batch_at_a_time_and_reports_in_manifest_order(tmp_path, monkeypatch):
    from gru_asr.audio import load_audio
    from gru_asr.evaluation.evaluate import evaluate_manifest
    from gru_asr.inference.api import Model
    from gru_asr.models import CTCModel
    from tests.conftest import small_model_config

    torch.manual_seed(0)
    model = Model(CTCModel(small_model_config()).eval())
    rng = np.random.default_rng(1)
    entries = []
    for i in range(7):
        seconds = 0.3 + 0.15 * ((5 * i) % 7)  # not in duration order
        sf.write(tmp_path / f"u{i}.wav", (0.1 * rng.standard_normal(int(16000 * seconds))).astype(np.float32), 16000)
        entries.append({"id": f"u{i}", "audio": str(tmp_path / f"u{i}.wav"), "duration": seconds, "text": "Abc de"})
    entries.insert(2, {"id": "missing", "audio": str(tmp_path / "nope.wav"), "duration": 1.0, "text": "hi"})
    entries.insert(5, {"id": "blank", "audio": str(tmp_path / "u0.wav"), "duration": 0.3, "text": " ?! "})
    write_manifest(tmp_path / "eval.jsonl", entries)
    decode_all = model.decode_waveforms
    decoded = []
    monkeypatch.setattr(model, "decode_waveforms", lambda wavs, batch_size: decoded.append(len(wavs)) or decode_all(wavs, batch_size))
    report = evaluate_manifest(model, tmp_path / "eval.jsonl", batch_size=3)
    assert max(decoded) <= 3 and sum(decoded) == 7  # a batch of audio in memory, never the set
    kept = [e for e in entries if e["id"].startswith("u")]
    assert [u["id"] for u in report.utterances] == [e["id"] for e in kept]
    assert list(report.skipped) == ["missing", "blank"] and report.skipped["blank"] == "empty transcript"
    wavs = [load_audio(e["audio"], 16000) for e in kept]
    assert report.audio_seconds == sum(w.numel() for w in wavs) / 16000
    assert {u["ref"] for u in report.utterances} == {"abc de"}
    assert [u["hyp"] for u in report.utterances] == [nb[0].text for nb in decode_all(wavs, batch_size=16)]
