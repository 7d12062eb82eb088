"""Waveform augmentation: the fast paths give the same samples as the plain ones."""

import numpy as np
import pytest
import soundfile as sf
import torch

from gru_asr.data.augment import WaveformAugmentConfig, WaveformAugmenter
from gru_asr.data.manifest import write_manifest


def _noise_manifest(tmp_path, fmt="WAV", ext="wav"):
    rng = np.random.default_rng(1)
    entries = []
    for i, seconds in enumerate([3.0, 0.2, 5.5]):  # one noise shorter than the utterances
        path = tmp_path / f"noise{i}.{ext}"
        sf.write(path, (0.2 * rng.standard_normal(int(seconds * 16000))).astype(np.float32), 16000, format=fmt)
        entries.append({"id": f"n{i}", "audio": str(path), "duration": seconds, "text": ""})
    return str(write_manifest(tmp_path / "noise.jsonl", entries))


def _utterances(n=25):
    gen = torch.Generator().manual_seed(0)
    return [0.3 * torch.randn(int(16000 * (0.5 + 0.1 * i)), generator=gen) for i in range(n)]


@pytest.mark.parametrize("fmt,ext", [("WAV", "wav"), ("FLAC", "flac")])
def test_segment_noise_read_equals_full_read(tmp_path, fmt, ext):
    noises = _noise_manifest(tmp_path, fmt, ext)
    cfg = WaveformAugmentConfig(speeds=[0.9, 1.0, 1.1], gain_db=(-6, 6), noise_manifest=noises, noise_prob=0.8)
    fast = WaveformAugmenter(cfg, 16000, seed=3)
    full = WaveformAugmenter(cfg, 16000, seed=3)
    full._exact_noise_frames = lambda path: None  # force the whole-file read of every noise
    for wav in _utterances():
        a, b = fast(wav), full(wav)
        assert a.shape == b.shape and torch.equal(a, b)
    assert any(f is not None for f in fast._noise_frames.values())  # the segment path was taken


def test_noise_file_with_overstated_length_falls_back_to_the_full_read(tmp_path):
    cfg = WaveformAugmentConfig(noise_manifest=_noise_manifest(tmp_path), noise_prob=1.0)
    fast = WaveformAugmenter(cfg, 16000, seed=5)
    full = WaveformAugmenter(cfg, 16000, seed=5)
    full._exact_noise_frames = lambda path: None
    fast._noise_frames = {e["audio"]: 10**7 for e in fast.noises}  # headers that lie
    for wav in _utterances(8):
        assert torch.equal(fast(wav), full(wav))


def test_in_place_steps_leave_the_callers_waveform_alone():
    cfg = WaveformAugmentConfig(speeds=[1.0], gain_db=(6.0, 6.0))
    aug = WaveformAugmenter(cfg, 16000)
    wav = torch.linspace(-0.9, 0.9, 1000)
    before = wav.clone()
    out = aug(wav)
    assert torch.equal(wav, before)
    assert torch.equal(out, (before * 10 ** (6.0 / 20)).clamp(-1.0, 1.0))
    sped = WaveformAugmenter(WaveformAugmentConfig(speeds=[1.1], gain_db=(6.0, 6.0)), 16000)
    out = sped(wav)
    assert torch.equal(wav, before)
    expected = (sped._resamplers[1.1](before) * 10 ** (6.0 / 20)).clamp(-1.0, 1.0)
    assert torch.equal(out, expected)
