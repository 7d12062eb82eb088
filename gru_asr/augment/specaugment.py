"""SpecAugment (Park et al., 2019): frequency and time masks."""

from __future__ import annotations

import torch

from gru_asr.augment.base import AUGMENTATIONS, Augmentation


@AUGMENTATIONS.register("specaugment")
class SpecAugment(Augmentation):
    """Random frequency and time masks; time masks scale with utterance length."""

    def __init__(
        self,
        freq_masks: int = 2,
        freq_width: int = 15,
        time_masks: int = 5,
        time_width: float = 0.05,
        max_time_width: int = 40,
    ):
        super().__init__()
        self.freq_masks = freq_masks
        self.freq_width = freq_width
        self.time_masks = time_masks
        self.time_width = time_width  # fraction of the utterance per mask
        self.max_time_width = max_time_width

    def forward(self, features: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return features
        B, T, F = features.shape
        device = features.device
        frange = torch.arange(F, device=device)
        trange = torch.arange(T, device=device)
        lens = lengths.to(device).unsqueeze(1)
        # Masks are built per axis, (B, 1, F) and (B, T, 1), and broadcast once at
        # the end: seven full (B, T, F) mask updates cost more than the front-end.
        freq_masked = torch.zeros(B, F, dtype=torch.bool, device=device)
        for _ in range(self.freq_masks):
            w = torch.randint(0, self.freq_width + 1, (B, 1), device=device)
            f0 = (torch.rand(B, 1, device=device) * (F - w + 1)).long()
            freq_masked |= (frange >= f0) & (frange < f0 + w)
        time_masked = torch.zeros(B, T, dtype=torch.bool, device=device)
        max_w = (lens.float() * self.time_width).long().clamp(max=self.max_time_width)
        for _ in range(self.time_masks):
            w = (torch.rand(B, 1, device=device) * (max_w + 1).float()).long()
            t0 = (torch.rand(B, 1, device=device) * (lens - w + 1).clamp(min=1).float()).long()
            time_masked |= (trange >= t0) & (trange < t0 + w)
        valid = trange < lens  # (B, T): masks never reach padding
        masked = (freq_masked.unsqueeze(1) & valid.unsqueeze(2)) | (time_masked & valid).unsqueeze(2)
        return features.masked_fill(masked, 0.0)
