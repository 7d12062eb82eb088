"""Waveform augmentations applied in the data loader (training only).

Speed perturbation changes the utterance length, so it happens on the waveform
before features (in loader workers, in parallel with training), unlike
SpecAugment, which the model applies to features.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import torch

from gru_asr.audio import AudioError, load_audio


@dataclass
class WaveformAugmentConfig:
    speeds: list[float] = field(default_factory=lambda: [1.0])  # e.g. [0.9, 1.0, 1.1]
    gain_db: tuple[float, float] | None = None  # uniform range, e.g. (-6, 6)
    noise_manifest: str | None = None  # JSONL of noise recordings
    noise_prob: float = 0.0
    snr_db: tuple[float, float] = (5.0, 30.0)


class WaveformAugmenter:
    def __init__(self, cfg: WaveformAugmentConfig, sample_rate: int, seed: int = 0):
        self.cfg = cfg
        self.sample_rate = sample_rate
        self.rng = random.Random(seed)
        self.noises: list[dict] = []
        if cfg.noise_manifest and cfg.noise_prob > 0:
            from gru_asr.data.manifest import read_manifest

            self.noises = read_manifest(cfg.noise_manifest)
        self._resamplers: dict[float, torch.nn.Module] = {}

    def speed(self, wav: torch.Tensor, factor: float) -> torch.Tensor:
        """Kaldi-style speed perturbation: treat the audio as sampled at
        ``sample_rate * factor`` and resample it to ``sample_rate`` (tempo and pitch change)."""
        if factor == 1.0:
            return wav
        if factor not in self._resamplers:
            import torchaudio

            self._resamplers[factor] = torchaudio.transforms.Resample(int(round(self.sample_rate * factor)), self.sample_rate)
        return self._resamplers[factor](wav)

    def add_noise(self, wav: torch.Tensor, noise: torch.Tensor, snr_db: float) -> torch.Tensor:
        if noise.numel() < wav.numel():
            noise = noise.repeat(wav.numel() // max(noise.numel(), 1) + 1)
        start = self.rng.randrange(0, noise.numel() - wav.numel() + 1)
        noise = noise[start : start + wav.numel()]
        p_speech = wav.pow(2).mean().clamp(min=1e-10)
        p_noise = noise.pow(2).mean().clamp(min=1e-10)
        return wav + noise * torch.sqrt(p_speech / (p_noise * 10 ** (snr_db / 10)))

    def __call__(self, wav: torch.Tensor) -> torch.Tensor:
        cfg = self.cfg
        wav = self.speed(wav, self.rng.choice(cfg.speeds))
        if cfg.gain_db:
            wav = wav * 10 ** (self.rng.uniform(*cfg.gain_db) / 20)
        if self.noises and self.rng.random() < cfg.noise_prob:
            e = self.rng.choice(self.noises)
            try:
                noise = load_audio(e["audio"], self.sample_rate)
                wav = self.add_noise(wav, noise, self.rng.uniform(*cfg.snr_db))
            except AudioError:
                pass  # a bad noise file costs one augmentation, not the utterance
        return wav.clamp(-1.0, 1.0)
