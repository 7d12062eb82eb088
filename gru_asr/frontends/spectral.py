"""MFCC and DS2-style linear spectrogram front-ends (torchaudio)."""

from __future__ import annotations

import torch
import torchaudio

from gru_asr.frontends.base import FRONTENDS, Frontend, add_dither


class _STFTFrontend(Frontend):
    """Shared framing: ``center=False`` so valid frames never read padding."""

    def __init__(self, sample_rate: int, win_length: float, hop_length: float, dither: float, normalize: str):
        super().__init__(normalize)
        self.sample_rate = sample_rate
        self.win = int(round(win_length * sample_rate))
        self.hop = int(round(hop_length * sample_rate))
        self.n_fft = 1 << (self.win - 1).bit_length()
        self.frame_shift = self.hop / sample_rate
        self.dither = dither

    def num_frames(self, num_samples: torch.Tensor) -> torch.Tensor:
        return torch.div(num_samples - self.n_fft, self.hop, rounding_mode="floor").clamp(min=0) + 1

    def _prepare(self, waveforms: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if waveforms.size(1) < self.n_fft:
            waveforms = torch.nn.functional.pad(waveforms, (0, self.n_fft - waveforms.size(1)))
        if self.training and self.dither > 0:
            waveforms = add_dither(waveforms, self.dither)
        return waveforms.float()


@FRONTENDS.register("mfcc")
class MFCCFrontend(_STFTFrontend):
    """Mel-frequency cepstral coefficients."""

    def __init__(self, sample_rate: int = 16000, n_mfcc: int = 40, n_mels: int = 80, win_length: float = 0.025,
                 hop_length: float = 0.010, dither: float = 1e-5, normalize: str = "global"):
        super().__init__(sample_rate, win_length, hop_length, dither, normalize)
        self.feature_dim = n_mfcc
        self.mfcc = torchaudio.transforms.MFCC(
            sample_rate=sample_rate, n_mfcc=n_mfcc, log_mels=True,
            melkwargs={"n_fft": self.n_fft, "win_length": self.win, "hop_length": self.hop, "n_mels": n_mels, "center": False},
        )
        self.init_stats_buffers()

    def extract(self, waveforms: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        with torch.autocast(device_type=waveforms.device.type, enabled=False):
            feats = self.mfcc(self._prepare(waveforms, lengths)).transpose(1, 2)
        return feats, self.num_frames(lengths)


@FRONTENDS.register("spectrogram")
class LinearSpectrogramFrontend(_STFTFrontend):
    """Log linear-frequency magnitude spectrogram, log(1 + |STFT|), as in Deep Speech 2."""

    def __init__(self, sample_rate: int = 16000, win_length: float = 0.020, hop_length: float = 0.010,
                 dither: float = 1e-5, normalize: str = "global"):
        super().__init__(sample_rate, win_length, hop_length, dither, normalize)
        self.feature_dim = self.n_fft // 2 + 1
        self.spec = torchaudio.transforms.Spectrogram(n_fft=self.n_fft, win_length=self.win, hop_length=self.hop, center=False, power=1.0)
        self.init_stats_buffers()

    def extract(self, waveforms: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        with torch.autocast(device_type=waveforms.device.type, enabled=False):
            feats = torch.log1p(self.spec(self._prepare(waveforms, lengths))).transpose(1, 2)
        return feats, self.num_frames(lengths)
