"""The encoder contract.

An encoder maps padded features to padded hidden states::

    forward(features (B, T, F), lengths (B,)) -> (outputs (B, T', D), lengths' (B,))

and exposes ``output_dim`` (D) and ``subsampling_factor`` (T / T', rounded up).
Valid outputs must not depend on padding, i.e. on what an utterance is batched with.
Constructors take ``input_dim`` (the front-end's feature size) first; every other
argument comes from the config.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod

import torch
from torch import nn

from gru_asr.registry import create_registry


class Encoder(nn.Module, metaclass=ABCMeta):
    output_dim: int
    subsampling_factor: int

    @abstractmethod
    def forward(self, features: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]: ...


ENCODERS = create_registry("encoder", Encoder)


def build_encoder(config: dict, input_dim: int) -> Encoder:
    config = dict(config)
    encoder = ENCODERS.build(config.pop("name"), input_dim=input_dim, **config)
    for attr in ("output_dim", "subsampling_factor"):
        if not isinstance(getattr(encoder, attr, None), int):
            raise TypeError(f"encoder {type(encoder).__name__} must set an integer {attr!r}")
    return encoder
