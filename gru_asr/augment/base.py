"""Feature-level augmentations, applied inside the model in training mode only.

Contract: ``forward(features (B, T, F), lengths (B,)) -> features``; frames past
an utterance's length are left untouched.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod

import torch
from torch import nn

from gru_asr.registry import create_registry


class Augmentation(nn.Module, metaclass=ABCMeta):
    @abstractmethod
    def forward(self, features: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor: ...


AUGMENTATIONS = create_registry("augmentation", Augmentation)


def build_augmentations(configs: list[dict] | None) -> nn.ModuleList:
    mods = nn.ModuleList()
    for cfg in configs or []:
        cfg = dict(cfg)
        mods.append(AUGMENTATIONS.build(cfg.pop("name"), **cfg))
    return mods
