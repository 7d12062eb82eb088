"""An exportable twin of the built-in STFT front-ends (logmel, mfcc, spectrogram).

``torch.stft`` returns a complex tensor, which the ONNX exporter cannot carry
("STFT does not currently support complex types"). This module computes the
same short-time Fourier transform as a strided ``conv1d`` whose kernels are the
windowed cosine and sine rows of the DFT matrix: real-valued, exportable to
ONNX (``Conv``) and TorchScript, with the same framing (``center=False``), the
same window (zero-padded to ``n_fft`` in the middle, as ``torch.stft`` does),
the same mel filterbank and DCT matrices (copied from the torchaudio transform)
and the same CMVN buffers. It matches torchaudio to float32 rounding; the tests
check it.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from gru_asr.frontends import Frontend, LinearSpectrogramFrontend, LogMelFrontend, MFCCFrontend


class ExportUnsupportedError(Exception):
    """The model contains a component that has no exportable form."""


def dft_kernels(window: torch.Tensor, n_fft: int) -> torch.Tensor:
    """``(2 * (n_fft // 2 + 1), 1, n_fft)`` conv1d weight: windowed cos rows, then -sin rows.

    ``torch.stft`` zero-pads a window shorter than ``n_fft`` on both sides
    (left ``(n_fft - win) // 2``); the kernels do the same.
    """
    win = window.detach().double().cpu()
    left = (n_fft - win.numel()) // 2
    padded = torch.zeros(n_fft, dtype=torch.float64)
    padded[left : left + win.numel()] = win
    k = torch.arange(n_fft // 2 + 1, dtype=torch.int64).unsqueeze(1)
    n = torch.arange(n_fft, dtype=torch.int64).unsqueeze(0)
    # (k * n) mod n_fft keeps the angle small, so float64 cos/sin stay exact
    # before the single rounding to float32.
    angle = 2 * math.pi * ((k * n) % n_fft).double() / n_fft
    kernels = torch.cat([torch.cos(angle), -torch.sin(angle)], dim=0) * padded
    return kernels.float().unsqueeze(1)


class DFTFrontend(nn.Module):
    """``forward(waveforms (B, S), lengths (B,)) -> (features (B, T, F), lengths (B,))``,
    numerically the front-end it was built from, in eval mode (no dither)."""

    def __init__(self, frontend: Frontend):
        super().__init__()
        # Exact types: a subclass may compute its features differently.
        cls = type(frontend)
        if cls is LogMelFrontend:
            spectrogram, power = frontend.mel.spectrogram, 2.0
            fb, dct, kind = frontend.mel.mel_scale.fb, None, "logmel"
        elif cls is MFCCFrontend:
            if not frontend.mfcc.log_mels:
                raise ExportUnsupportedError("mfcc front-ends with log_mels=False are not exportable")
            mel = frontend.mfcc.MelSpectrogram
            spectrogram, power = mel.spectrogram, 2.0
            fb, dct, kind = mel.mel_scale.fb, frontend.mfcc.dct_mat, "mfcc"
        elif cls is LinearSpectrogramFrontend:
            spectrogram, power, fb, dct, kind = frontend.spec, 1.0, None, None, "spectrogram"
        else:
            raise ExportUnsupportedError(
                f"front-end {cls.__name__} has no exportable form; "
                "exportable: logmel, mfcc (log_mels), spectrogram"
            )
        if spectrogram.center or spectrogram.normalized or spectrogram.power != power:
            raise ExportUnsupportedError("only center=False, unnormalized STFT front-ends are exportable")
        self.kind = kind
        self.n_fft = int(frontend.n_fft)
        self.hop = int(frontend.hop)
        self.normalize = frontend.normalize
        self.n_freq = self.n_fft // 2 + 1
        self.register_buffer("kernels", dft_kernels(spectrogram.window, self.n_fft))
        self.register_buffer("fb", fb.detach().clone() if fb is not None else torch.zeros(0))
        self.register_buffer("dct", dct.detach().clone() if dct is not None else torch.zeros(0))
        self.register_buffer("feat_mean", frontend.feat_mean.detach().clone())
        self.register_buffer("feat_std", frontend.feat_std.detach().clone())
        # LogMelFrontend's mask_above_hz: the bands from first_masked_band up are 0 after
        # normalization. A multiplication by a 1/0 vector exports to every runtime.
        first = getattr(frontend, "first_masked_band", None)
        self.masks_bands = first is not None and first < frontend.feature_dim
        if self.masks_bands:
            self.register_buffer("band_keep", (torch.arange(frontend.feature_dim) < first).float())

    def num_frames(self, num_samples: torch.Tensor) -> torch.Tensor:
        return torch.div(num_samples - self.n_fft, self.hop, rounding_mode="floor").clamp(min=0) + 1

    def forward(self, waveforms: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        # Appending n_fft zeros gives even a waveform shorter than one window a
        # frame (the eager front-end pads such a batch to n_fft); the frames
        # the appended zeros add are cut again below, so the time axis has
        # exactly as many frames as the eager front-end's. The count is
        # computed from the traced shape, so it stays dynamic in exported graphs.
        padded = F.pad(waveforms.float(), (0, self.n_fft)).unsqueeze(1)
        spec = F.conv1d(padded, self.kernels, stride=self.hop)  # (B, 2F, S // hop + 1)
        num_samples = torch._shape_as_tensor(waveforms)[1]
        spec = spec[:, :, : self.num_frames(num_samples)]
        real, imag = spec[:, : self.n_freq], spec[:, self.n_freq :]
        energy = real * real + imag * imag  # |X|^2, (B, F, T)
        if self.kind == "spectrogram":
            feats = torch.log1p(torch.sqrt(energy)).transpose(1, 2)
        else:
            feats = torch.log(torch.matmul(energy.transpose(1, 2), self.fb) + 1e-6)
            if self.kind == "mfcc":
                feats = torch.matmul(feats, self.dct)
        feat_lengths = self.num_frames(lengths)
        mask = (torch.arange(feats.size(1), device=feats.device).unsqueeze(0) < feat_lengths.unsqueeze(1)).unsqueeze(-1)
        if self.normalize == "global":
            feats = (feats - self.feat_mean) / self.feat_std
        elif self.normalize == "utterance":
            count = feat_lengths.clamp(min=1).view(-1, 1, 1).to(feats.dtype)
            mean = (feats * mask).sum(1, keepdim=True) / count
            var = (((feats - mean) * mask) ** 2).sum(1, keepdim=True) / count
            feats = (feats - mean) / (var + 1e-5).sqrt()
        if self.masks_bands:
            feats = feats * self.band_keep
        return feats.masked_fill(~mask, 0.0), feat_lengths
