"""Stacked recurrent encoders: ``bigru`` (Deep Speech 2 style) and ``lstm``.

Padding never reaches valid outputs without packed sequences (slow on GPU): the
forward direction reads padding only after the last valid frame, and the
backward direction runs on each utterance reversed *within its own length*, so
its padding also comes last. Outputs are therefore independent of batch
composition, which the tests check.
"""

from __future__ import annotations

import torch
from torch import nn

from gru_asr.encoders.base import ENCODERS, Encoder
from gru_asr.encoders.subsampling import Conv2dSubsampling
from gru_asr.utils.masks import lengths_to_mask


def reverse_within_lengths(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse each sequence's first ``length`` steps; padding stays at the end."""
    T = x.size(1)
    t = torch.arange(T, device=x.device).unsqueeze(0)
    lens = lengths.to(x.device).unsqueeze(1)
    idx = torch.where(t < lens, lens - 1 - t, t)
    return x.gather(1, idx.unsqueeze(-1).expand_as(x))


class MaskedBatchNorm(nn.Module):
    """Sequence-wise batch norm (DS2) whose statistics count valid frames only."""

    def __init__(self, dim: int, momentum: float = 0.1, eps: float = 1e-5):
        super().__init__()
        self.bn = nn.BatchNorm1d(dim, momentum=momentum, eps=eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        B, T, D = x.shape
        flat = x.reshape(B * T, D)
        m = mask.reshape(B * T)
        out = torch.zeros_like(flat)
        valid = flat[m]
        if valid.size(0) > 1 or not self.training:
            out[m] = self.bn(valid)
        else:
            out[m] = valid
        return out.view(B, T, D)


class RecurrentLayer(nn.Module):
    """One (bi)directional recurrent layer with optional input normalization."""

    def __init__(self, rnn_cls: type, input_dim: int, hidden: int, bidirectional: bool, norm: str):
        super().__init__()
        self.norm_kind = norm
        if norm == "batch":
            self.norm = MaskedBatchNorm(input_dim)
        elif norm == "layer":
            self.norm = nn.LayerNorm(input_dim)
        elif norm == "none":
            self.norm = None
        else:
            raise ValueError(f"norm must be batch, layer or none, not {norm!r}")
        self.fwd = rnn_cls(input_dim, hidden, batch_first=True)
        self.bwd = rnn_cls(input_dim, hidden, batch_first=True) if bidirectional else None
        self.output_dim = hidden * (2 if bidirectional else 1)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if self.norm_kind == "batch":
            x = self.norm(x, mask)
        elif self.norm is not None:
            x = self.norm(x)
        out, _ = self.fwd(x)
        if self.bwd is not None:
            rev, _ = self.bwd(reverse_within_lengths(x, lengths))
            out = torch.cat([out, reverse_within_lengths(rev, lengths)], dim=-1)
        return out


class Lookahead(nn.Module):
    """Row convolution (DS2): lets a unidirectional model see ``context`` future frames."""

    def __init__(self, dim: int, context: int):
        super().__init__()
        self.context = context
        self.conv = nn.Conv1d(dim, dim, context + 1, groups=dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = nn.functional.pad(x.transpose(1, 2), (0, self.context))
        return self.conv(y).transpose(1, 2)


class _RecurrentEncoder(Encoder):
    rnn_cls: type = nn.GRU

    def __init__(
        self,
        input_dim: int,
        hidden_size: int = 256,
        num_layers: int = 3,
        bidirectional: bool = True,
        dropout: float = 0.1,
        norm: str = "layer",
        residual: bool = False,
        projection_size: int | None = None,
        lookahead: int = 0,
        subsampling: dict | None = None,
    ):
        super().__init__()
        self.subsample = Conv2dSubsampling(input_dim, **(subsampling or {}))
        self.subsampling_factor = self.subsample.subsampling_factor
        self.residual = residual
        self.layers = nn.ModuleList()
        self.projections = nn.ModuleList()
        dim = self.subsample.output_dim
        for _ in range(num_layers):
            layer = RecurrentLayer(self.rnn_cls, dim, hidden_size, bidirectional, norm)
            self.layers.append(layer)
            out = layer.output_dim
            if projection_size:
                self.projections.append(nn.Linear(out, projection_size))
                out = projection_size
            else:
                self.projections.append(nn.Identity())
            dim = out
        self.dropout = nn.Dropout(dropout)
        if lookahead and bidirectional:
            raise ValueError("lookahead is for unidirectional models; a bidirectional one sees the future")
        self.lookahead = Lookahead(dim, lookahead) if lookahead else None
        self.output_dim = dim
        self.bidirectional = bidirectional

    def forward(self, features: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x, lengths = self.subsample(features, lengths)
        mask = lengths_to_mask(lengths, x.size(1))
        for i, (layer, proj) in enumerate(zip(self.layers, self.projections)):
            y = proj(layer(x, lengths, mask))
            if self.residual and i > 0 and y.shape == x.shape:
                y = y + x
            x = self.dropout(y) * mask.unsqueeze(-1)
        if self.lookahead is not None:
            x = self.lookahead(x) * mask.unsqueeze(-1)
        return x, lengths


@ENCODERS.register("bigru")
class BiGRUEncoder(_RecurrentEncoder):
    """Conv2d subsampling + stacked (bi)directional GRU layers (Deep Speech 2)."""

    rnn_cls = nn.GRU


@ENCODERS.register("lstm")
class LSTMEncoder(_RecurrentEncoder):
    """Conv2d subsampling + stacked (bi)directional LSTM layers."""

    rnn_cls = nn.LSTM
