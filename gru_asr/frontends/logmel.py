"""Log-mel filterbank front-end (torchaudio)."""

from __future__ import annotations

import torch
import torchaudio

from gru_asr.frontends.base import FRONTENDS, Frontend, add_dither


@FRONTENDS.register("logmel")
class LogMelFrontend(Frontend):
    """Log-mel filterbank energies, 25 ms windows every 10 ms by default."""

    def __init__(
        self,
        sample_rate: int = 16000,
        n_mels: int = 80,
        win_length: float = 0.025,
        hop_length: float = 0.010,
        n_fft: int | None = None,
        f_min: float = 20.0,
        f_max: float | None = None,
        dither: float = 1e-5,
        normalize: str = "global",
    ):
        super().__init__(normalize)
        self.sample_rate = sample_rate
        self.win = int(round(win_length * sample_rate))
        self.hop = int(round(hop_length * sample_rate))
        self.n_fft = n_fft or 1 << (self.win - 1).bit_length()
        self.feature_dim = n_mels
        self.frame_shift = self.hop / sample_rate
        self.dither = dither
        # center=False: a frame only covers samples of its own utterance, so the
        # last valid frames do not change when the utterance is padded in a batch.
        self.mel = torchaudio.transforms.MelSpectrogram(
            sample_rate=sample_rate,
            n_fft=self.n_fft,
            win_length=self.win,
            hop_length=self.hop,
            f_min=f_min,
            f_max=f_max,
            n_mels=n_mels,
            center=False,
            power=2.0,
        )
        self.init_stats_buffers()

    def num_frames(self, num_samples: torch.Tensor) -> torch.Tensor:
        return torch.div(num_samples - self.n_fft, self.hop, rounding_mode="floor").clamp(min=0) + 1

    def extract(self, waveforms: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if waveforms.size(1) < self.n_fft:  # shorter than one window: pad to one frame
            waveforms = torch.nn.functional.pad(waveforms, (0, self.n_fft - waveforms.size(1)))
        if self.training and self.dither > 0:
            waveforms = add_dither(waveforms, self.dither)
        with torch.autocast(device_type=waveforms.device.type, enabled=False):
            spec = self.mel(waveforms.float())  # (B, F, T)
        feats = torch.log(spec + 1e-6).transpose(1, 2)
        return feats, self.num_frames(lengths)
