"""Front-ends turn padded waveforms into padded feature frames.

Contract: ``forward(waveforms (B, S), lengths (B,)) -> (features (B, T, F), lengths (B,))``
with ``feature_dim`` = F and ``frame_shift`` = seconds between frames. Frames
past an utterance's length are exactly zero, and a valid frame never reads a
padded sample, so features do not depend on what the utterance is batched with.

Mean/variance normalization lives here as buffers, so the statistics computed
from the training manifest travel with the weights in the model package.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod

import torch
from torch import nn

from gru_asr.registry import create_registry
from gru_asr.utils.masks import lengths_to_mask


class Frontend(nn.Module, metaclass=ABCMeta):
    feature_dim: int
    frame_shift: float

    def __init__(self, normalize: str = "global"):
        super().__init__()
        if normalize not in ("global", "utterance", "none"):
            raise ValueError(f"normalize must be global, utterance or none, not {normalize!r}")
        self.normalize = normalize

    def init_stats_buffers(self) -> None:
        self.register_buffer("feat_mean", torch.zeros(self.feature_dim))
        self.register_buffer("feat_std", torch.ones(self.feature_dim))

    @abstractmethod
    def extract(self, waveforms: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Unnormalized features and their lengths in frames."""

    @abstractmethod
    def num_frames(self, num_samples: torch.Tensor) -> torch.Tensor:
        """Number of feature frames for utterances of ``num_samples`` samples."""

    def forward(self, waveforms: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        feats, feat_lengths = self.extract(waveforms, lengths)
        mask = lengths_to_mask(feat_lengths, feats.size(1)).unsqueeze(-1)
        if self.normalize == "global":
            feats = (feats - self.feat_mean) / self.feat_std
        elif self.normalize == "utterance":
            count = feat_lengths.clamp(min=1).view(-1, 1, 1).to(feats.dtype)
            mean = (feats * mask).sum(1, keepdim=True) / count
            var = (((feats - mean) * mask) ** 2).sum(1, keepdim=True) / count
            feats = (feats - mean) / (var + 1e-5).sqrt()
        return feats.masked_fill(~mask, 0.0), feat_lengths

    @torch.no_grad()
    def set_stats(self, mean: torch.Tensor, std: torch.Tensor) -> None:
        self.feat_mean.copy_(mean)
        self.feat_std.copy_(std.clamp(min=1e-4))


# Dither noise on CPU is read from a fixed table of Gaussian samples at a random
# offset per utterance: drawing fresh Gaussian noise for every sample (3.5 ms per
# 60 s batch) cost more than the whole log-mel front-end (~5 ms). A contiguous slice
# of i.i.d. samples is i.i.d. Gaussian; that utterances may share stretches of it
# does not matter for noise 100 dB below speech. GPUs draw fresh noise at no cost.
_DITHER_TABLE_SAMPLES = 1 << 21  # 131 s at 16 kHz (8 MB)
_dither_table: torch.Tensor | None = None


def _cpu_dither_table() -> torch.Tensor:
    global _dither_table
    if _dither_table is None:
        # A fixed seed, so the table is the same in every process and in a resumed
        # run; which slice each utterance gets comes from the global RNG.
        _dither_table = torch.randn(_DITHER_TABLE_SAMPLES, generator=torch.Generator().manual_seed(0))
    return _dither_table


def add_dither(waveforms: torch.Tensor, dither: float) -> torch.Tensor:
    """``waveforms`` (B, S) plus Gaussian noise of standard deviation ``dither``.

    The padding gets noise too: masking it cost a tenth of the log-mel front-end's
    time, and it cannot reach a kept frame, since frames are taken without centering
    (a valid frame lies inside its utterance) and the frames past an utterance's
    length are zeroed in ``forward``.
    """
    batch, samples = waveforms.shape
    # Batches longer than a quarter of the table draw fresh noise, so that the rows'
    # slices stay mostly apart.
    if waveforms.device.type != "cpu" or batch == 0 or samples > _DITHER_TABLE_SAMPLES // 4:
        return torch.randn_like(waveforms).mul_(dither).add_(waveforms)
    offsets = torch.randint(0, _DITHER_TABLE_SAMPLES - samples + 1, (batch,))
    table = _cpu_dither_table()
    noise = torch.stack([table[o : o + samples] for o in offsets.tolist()])
    return noise.to(waveforms.dtype).mul_(dither).add_(waveforms)


FRONTENDS = create_registry("frontend", Frontend)


def build_frontend(config: dict) -> Frontend:
    config = dict(config)
    return FRONTENDS.build(config.pop("name"), **config)


@torch.no_grad()
def accumulate_stats(frontend: Frontend, batches) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and std of unnormalized features over ``(waveforms, lengths)`` batches."""
    total = torch.zeros(frontend.feature_dim, dtype=torch.float64)
    total_sq = torch.zeros_like(total)
    count = 0
    for wavs, lens in batches:
        feats, flens = frontend.extract(wavs, lens)
        mask = lengths_to_mask(flens, feats.size(1))
        valid = feats[mask].double()
        total += valid.sum(0)
        total_sq += (valid**2).sum(0)
        count += valid.size(0)
    if count == 0:
        raise ValueError("no frames to compute normalization statistics from")
    mean = total / count
    std = (total_sq / count - mean**2).clamp(min=0).sqrt()
    return mean.float(), std.float()
