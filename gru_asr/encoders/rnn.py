"""Stacked recurrent encoders: ``bigru`` (Deep Speech 2 style) and ``lstm``.

Padding never reaches valid outputs without packed sequences (slow on GPU): the
forward direction reads padding only after the last valid frame, and the
backward direction runs on each utterance reversed *within its own length*, so
its padding also comes last. Outputs are therefore independent of batch
composition, which the tests check.

Unidirectional models also stream (``initial_state``/``forward_chunk``, the
optional part of the encoder contract): the chunked outputs equal the offline
ones, because every piece is either pointwise in time (norms, projections,
the head), causal with a carried state (forward GRU/LSTM), or a convolution whose
missing context is carried (subsampling, look-ahead).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import torch
from torch import nn

from gru_asr.encoders.base import ENCODERS, Encoder, StreamingNotSupportedError
from gru_asr.encoders.gru_recurrence import can_fuse, gru_directions
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

    def __init__(
        self,
        rnn_cls: type,
        input_dim: int,
        hidden: int,
        bidirectional: bool,
        norm: str,
        fused_cpu_training: bool = True,
        merge: str = "concat",
    ):
        super().__init__()
        if merge not in ("concat", "sum"):
            raise ValueError(f"merge must be concat or sum, not {merge!r}")
        self.norm_kind = norm
        self.merge = merge
        # GRUs only: train on CPU with gru_recurrence's fused loop (same parameters,
        # same results, faster); inference and GPUs always use nn.GRU.
        self.fused_cpu_training = fused_cpu_training
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
        self.output_dim = hidden * (2 if bidirectional and merge == "concat" else 1)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if self.norm_kind == "batch":
            x = self.norm(x, mask)
        elif self.norm is not None:
            x = self.norm(x)
        grus = [self.fwd] if self.bwd is None else [self.fwd, self.bwd]
        if self.fused_cpu_training and can_fuse(grus, x):
            return self._fused(x, lengths)
        out, _ = self.fwd(x)
        if self.bwd is not None:
            rev, _ = self.bwd(reverse_within_lengths(x, lengths))
            out = self._merge(out, reverse_within_lengths(rev, lengths))
        return out

    def _fused(self, x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if self.bwd is None:
            return gru_directions(x.unsqueeze(0), [self.fwd])[0]
        both = gru_directions(torch.stack([x, reverse_within_lengths(x, lengths)]), [self.fwd, self.bwd])
        return self._merge(both[0], reverse_within_lengths(both[1], lengths))

    def _merge(self, forward: torch.Tensor, backward: torch.Tensor) -> torch.Tensor:
        if self.merge == "sum":  # Deep Speech 2's choice: the next layer's input stays H wide
            return forward + backward
        return torch.cat([forward, backward], dim=-1)

    def forward_chunk(self, x: torch.Tensor, hidden: Any) -> tuple[torch.Tensor, Any]:
        """The forward direction on the next frames of a stream, from ``hidden`` (the
        GRU's ``h``, the LSTM's ``(h, c)``, or None at the start). Every frame is
        valid here, so the norm applies to all of them."""
        if self.bwd is not None:
            raise StreamingNotSupportedError("a bidirectional layer needs the whole utterance")
        if self.norm_kind == "batch":
            x = self.norm.bn(x.reshape(-1, x.size(-1))).view_as(x)
        elif self.norm is not None:
            x = self.norm(x)
        return self.fwd(x, hidden)


class Lookahead(nn.Module):
    """Row convolution (DS2): lets a unidirectional model see ``context`` future frames."""

    def __init__(self, dim: int, context: int):
        super().__init__()
        self.context = context
        self.conv = nn.Conv1d(dim, dim, context + 1, groups=dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = nn.functional.pad(x.transpose(1, 2), (0, self.context))
        return self.conv(y).transpose(1, 2)

    def forward_chunk(self, x: torch.Tensor, pending: torch.Tensor | None, final: bool) -> tuple[torch.Tensor, torch.Tensor]:
        """Outputs for the frames whose ``context`` future frames have arrived (all of
        them when ``final``, against the same zero padding as offline); the last
        ``context`` frames wait in ``pending`` (the look-ahead's delay)."""
        buf = x.transpose(1, 2) if pending is None else torch.cat([pending, x.transpose(1, 2)], dim=2)
        if final:
            buf = nn.functional.pad(buf, (0, self.context))
        ready = max(buf.size(2) - self.context, 0)
        y = self.conv(buf[:, :, : ready + self.context]) if ready else buf.new_zeros(buf.size(0), buf.size(1), 0)
        return y.transpose(1, 2), buf[:, :, ready:].clone()  # clone: do not keep the chunk alive


@dataclass
class RecurrentStreamState:
    """What a unidirectional recurrent encoder carries from one chunk to the next."""

    subsampling: list[torch.Tensor | None]  # per conv layer: input frames still needed
    hidden: list[Any]  # per recurrent layer: h (GRU) or (h, c) (LSTM); None before the first frame
    lookahead: torch.Tensor | None  # the last ``lookahead`` frames, waiting for their future
    finished: bool = False


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
        fused_cpu_training: bool = True,
        merge_directions: str = "concat",
    ):
        super().__init__()
        self.subsample = Conv2dSubsampling(input_dim, **(subsampling or {}))
        self.subsampling_factor = self.subsample.subsampling_factor
        self.residual = residual
        self.layers = nn.ModuleList()
        self.projections = nn.ModuleList()
        dim = self.subsample.output_dim
        for _ in range(num_layers):
            layer = RecurrentLayer(
                self.rnn_cls, dim, hidden_size, bidirectional, norm, fused_cpu_training, merge_directions
            )
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
        outputs, lengths, _ = self.forward_with_intermediates(features, lengths, ())
        return outputs, lengths

    def forward_with_intermediates(
        self, features: torch.Tensor, lengths: torch.Tensor, layers: Sequence[int]
    ) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]]:
        """``forward``, plus the states after each of ``layers`` (1-based; the last layer
        is not allowed: its states are the outputs). Intermediate CTC reads them with the
        model's head."""
        wanted = set(layers)
        bad = [i for i in wanted if not (isinstance(i, int) and 1 <= i < len(self.layers))]
        if bad:
            raise ValueError(f"intermediate layers must be among 1..{len(self.layers) - 1} "
                             f"(this encoder has {len(self.layers)}), not {sorted(bad, key=str)}")
        x, lengths = self.subsample(features, lengths)
        mask = lengths_to_mask(lengths, x.size(1))
        taken: dict[int, torch.Tensor] = {}
        for i, (layer, proj) in enumerate(zip(self.layers, self.projections)):
            y = proj(layer(x, lengths, mask))
            if self.residual and i > 0 and y.shape == x.shape:
                y = y + x
            x = self.dropout(y) * mask.unsqueeze(-1)
            if i + 1 in wanted:  # every layer is output_dim wide (the look-ahead keeps the width)
                taken[i + 1] = x
        if self.lookahead is not None:
            x = self.lookahead(x) * mask.unsqueeze(-1)
        return x, lengths, [taken[i] for i in layers]

    def initial_state(self) -> RecurrentStreamState:
        if self.bidirectional:
            raise StreamingNotSupportedError(
                f"the {type(self).__name__} is bidirectional: its backward layers read each "
                "utterance from its end, so nothing can be emitted before the stream is over; "
                "train a unidirectional model (encoder.bidirectional=false, optionally "
                "encoder.lookahead > 0, e.g. encoder=gru_streaming_small) to stream"
            )
        return RecurrentStreamState(self.subsample.initial_state(), [None] * len(self.layers), None)

    def forward_chunk(
        self, features: torch.Tensor, state: RecurrentStreamState, final: bool = False
    ) -> tuple[torch.Tensor, RecurrentStreamState]:
        """Streaming ``forward`` (eval mode): concatenated over a stream's chunks, the
        outputs equal ``forward`` on the whole stream. ``state`` is not modified."""
        if state.finished:
            raise ValueError("this stream was finalized; start a new one with initial_state()")
        x, sub_state = self.subsample.forward_chunk(features, state.subsampling, final)
        hidden = list(state.hidden)
        if x.size(1) > 0:
            for i, (layer, proj) in enumerate(zip(self.layers, self.projections)):
                y, hidden[i] = layer.forward_chunk(x, hidden[i])
                y = proj(y)
                if self.residual and i > 0 and y.shape == x.shape:
                    y = y + x
                x = self.dropout(y)
        else:
            x = x.new_zeros(x.size(0), 0, self.output_dim)
        pending = state.lookahead
        if self.lookahead is not None:
            x, pending = self.lookahead.forward_chunk(x, pending, final)
        return x, RecurrentStreamState(sub_state, hidden, pending, finished=final)


@ENCODERS.register("bigru")
class BiGRUEncoder(_RecurrentEncoder):
    """Conv2d subsampling + stacked (bi)directional GRU layers (Deep Speech 2)."""

    rnn_cls = nn.GRU


@ENCODERS.register("lstm")
class LSTMEncoder(_RecurrentEncoder):
    """Conv2d subsampling + stacked (bi)directional LSTM layers."""

    rnn_cls = nn.LSTM
