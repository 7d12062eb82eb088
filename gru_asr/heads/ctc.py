"""Output heads: encoder states to per-frame log-probabilities over the vocabulary."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod

import torch
from torch import nn

from gru_asr.registry import create_registry


class Head(nn.Module, metaclass=ABCMeta):
    """``forward(states (B, T, D)) -> log_probs (B, T, V)``; label 0 is the CTC blank."""

    @abstractmethod
    def forward(self, states: torch.Tensor) -> torch.Tensor: ...


HEADS = create_registry("head", Head)


@HEADS.register("ctc")
class CTCHead(Head):
    """Linear projection + log-softmax; blank at index 0."""

    def __init__(self, input_dim: int, vocab_size: int, dropout: float = 0.0):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.proj = nn.Linear(input_dim, vocab_size)

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        # log_softmax in float32 even under autocast: CTC needs the precision.
        return torch.log_softmax(self.proj(self.dropout(states)).float(), dim=-1)


def build_head(config: dict, input_dim: int, vocab_size: int) -> Head:
    config = dict(config)
    return HEADS.build(config.pop("name"), input_dim=input_dim, vocab_size=vocab_size, **config)
