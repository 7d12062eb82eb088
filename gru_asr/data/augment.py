"""Waveform augmentations applied in the data loader (training only).

Speed perturbation changes the utterance length, so it happens on the waveform
before features (in loader workers, in parallel with training), unlike
SpecAugment, which the model applies to features.
"""

from __future__ import annotations

import random

import soundfile as sf
import torch

from gru_asr.audio import AudioError, audio_info, load_audio
from gru_asr.data.config import WaveformAugmentConfig

# Containers whose seek lands on the exact sample, so reading a segment gives the
# same samples as slicing the full decode (compressed formats may not).
_EXACT_SEEK_FORMATS = frozenset({"WAV", "WAVEX", "W64", "RF64", "AIFF", "FLAC", "CAF", "AU", "NIST"})



class PolyphaseResampler(torch.nn.Module):
    """torchaudio's ``Resample`` (same sinc kernel, same output up to float rounding),
    applied as one matrix product over strided input blocks instead of a
    1-channel ``conv1d``: 2.2x faster on CPU, and speed perturbation was a third
    of the loader workers' time."""

    def __init__(self, orig_freq: int, new_freq: int):
        super().__init__()
        import torchaudio

        if orig_freq == new_freq:
            raise ValueError("PolyphaseResampler needs two different rates")
        ref = torchaudio.transforms.Resample(orig_freq, new_freq)
        self.orig, self.new = orig_freq // ref.gcd, new_freq // ref.gcd
        self.width = ref.width
        self.register_buffer("taps", ref.kernel[:, 0, :].T.contiguous())  # (kernel, new): one column per output phase

    def forward(self, wav: torch.Tensor) -> torch.Tensor:
        length = wav.size(-1)
        padded = torch.nn.functional.pad(wav, (self.width, self.width + self.orig))
        blocks = padded.unfold(-1, self.taps.size(0), self.orig)  # (..., blocks, kernel): a strided view
        out = (blocks @ self.taps).flatten(-2)  # (..., blocks * new)
        # torchaudio's output length, computed in float32 as it does (exact integer
        # arithmetic gives one more sample beyond ~2 minutes of audio).
        return out[..., : int(torch.ceil(torch.as_tensor(self.new * length / self.orig)))]


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
        # noise path -> its length in samples when a segment can be read exactly, else None
        self._noise_frames: dict[str, int | None] = {}

    def speed(self, wav: torch.Tensor, factor: float) -> torch.Tensor:
        """Kaldi-style speed perturbation: treat the audio as sampled at
        ``sample_rate * factor`` and resample it to ``sample_rate`` (tempo and pitch change)."""
        if int(round(self.sample_rate * factor)) == self.sample_rate:
            return wav
        if factor not in self._resamplers:
            self._resamplers[factor] = PolyphaseResampler(int(round(self.sample_rate * factor)), self.sample_rate)
        return self._resamplers[factor](wav)

    def add_noise(self, wav: torch.Tensor, noise: torch.Tensor, snr_db: float) -> torch.Tensor:
        if noise.numel() < wav.numel():
            noise = noise.repeat(wav.numel() // max(noise.numel(), 1) + 1)
        start = self.rng.randrange(0, noise.numel() - wav.numel() + 1)
        return self._mix(wav, noise[start : start + wav.numel()], snr_db)

    @staticmethod
    def _mix(wav: torch.Tensor, noise: torch.Tensor, snr_db: float) -> torch.Tensor:
        p_speech = wav.pow(2).mean().clamp(min=1e-10)
        p_noise = noise.pow(2).mean().clamp(min=1e-10)
        return wav + noise * torch.sqrt(p_speech / (p_noise * 10 ** (snr_db / 10)))

    def _exact_noise_frames(self, path: str) -> int | None:
        """Length of a noise file in samples if a segment of it can be read
        instead of the whole file (native rate, exact seeking), else None."""
        if path not in self._noise_frames:
            frames = None
            try:
                info = audio_info(path)
                if info.sample_rate == self.sample_rate and sf.info(path).format in _EXACT_SEEK_FORMATS:
                    frames = info.num_frames
            except (AudioError, RuntimeError):
                frames = None  # the full read below reports the problem as before
            self._noise_frames[path] = frames
        return self._noise_frames[path]

    def _noise_segment_mix(self, wav: torch.Tensor, path: str, frames: int) -> torch.Tensor | None:
        """Same random draws (SNR, then start) and the same samples as
        ``add_noise`` on the full file, but decodes only the span that is used:
        noise recordings are often minutes long and utterances seconds.
        None (random state untouched) if the segment cannot be read."""
        state = self.rng.getstate()
        snr_db = self.rng.uniform(*self.cfg.snr_db)
        start = self.rng.randrange(0, frames - wav.numel() + 1)
        sr = self.sample_rate
        try:
            noise = load_audio(path, sr, offset=start / sr, duration=wav.numel() / sr)
        except AudioError:
            noise = None
        if noise is None or noise.numel() != wav.numel():  # e.g. a header that overstates the length
            self.rng.setstate(state)
            return None
        return self._mix(wav, noise, snr_db)

    def _add_random_noise(self, wav: torch.Tensor) -> torch.Tensor:
        e = self.rng.choice(self.noises)
        try:
            frames = self._exact_noise_frames(e["audio"])
            if frames is not None and frames >= wav.numel():
                mixed = self._noise_segment_mix(wav, e["audio"], frames)
                if mixed is not None:
                    return mixed
            noise = load_audio(e["audio"], self.sample_rate)
            return self.add_noise(wav, noise, self.rng.uniform(*self.cfg.snr_db))
        except AudioError:
            return wav  # a bad noise file costs one augmentation, not the utterance

    def __call__(self, wav: torch.Tensor) -> torch.Tensor:
        cfg = self.cfg
        original = wav
        wav = self.speed(wav, self.rng.choice(cfg.speeds))
        if cfg.gain_db:
            gain = 10 ** (self.rng.uniform(*cfg.gain_db) / 20)
            # In place only on a tensor made here: the caller's waveform stays untouched.
            wav = wav.mul_(gain) if wav is not original else wav * gain
        if self.noises and self.rng.random() < cfg.noise_prob:
            wav = self._add_random_noise(wav)
        return wav.clamp_(-1.0, 1.0) if wav is not original else wav.clamp(-1.0, 1.0)
