"""The encoder contract.

An encoder maps padded features to padded hidden states::

    forward(features (B, T, F), lengths (B,)) -> (outputs (B, T', D), lengths' (B,))

and exposes ``output_dim`` (D) and ``subsampling_factor`` (T / T', rounded up).
Valid outputs must not depend on padding, i.e. on what an utterance is batched with.
Constructors take ``input_dim`` (the front-end's feature size) first; every other
argument comes from the config.

Streaming (optional). An encoder that can run on a live stream also implements
:class:`StreamingEncoder`::

    initial_state() -> state
    forward_chunk(features (B, t, F), state, final=False) -> (outputs (B, t', D), state)

Feeding a stream's feature frames in chunks of any sizes (zero included), with
``final=True`` on the last call, must give outputs whose concatenation equals
``forward`` on the whole stream. The state carries whatever crosses a chunk
boundary (recurrent hidden states, convolution context, look-ahead frames) and
must stay bounded in size, however long the stream. An encoder that cannot
stream in its current configuration raises :class:`StreamingNotSupportedError`
from ``initial_state`` with the reason.

Intermediate outputs (optional, for intermediate CTC in training). An encoder built
from a stack of layers may also implement :class:`IntermediateOutputEncoder`::

    forward_with_intermediates(features, lengths, layers) -> (outputs, lengths', [states per layer])

where ``layers`` are 1-based indices into its stack and each returned state is the
(B, T', output_dim) input of the next layer, padding zeroed, so the model's own CTC
head can read it. ``outputs`` and ``lengths'`` are exactly ``forward``'s.
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from typing import Any, Protocol, runtime_checkable

import torch
from torch import nn

from gru_asr.registry import create_registry


class Encoder(nn.Module, metaclass=ABCMeta):
    output_dim: int
    subsampling_factor: int

    @abstractmethod
    def forward(self, features: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]: ...


ENCODERS = create_registry("encoder", Encoder)


class StreamingNotSupportedError(ValueError):
    """This encoder (or model) cannot transcribe a stream chunk by chunk; the message says why."""


@runtime_checkable
class StreamingEncoder(Protocol):
    """The optional streaming half of the encoder contract (see the module docstring)."""

    def initial_state(self) -> Any:
        """State for the start of a new stream; raises StreamingNotSupportedError if this
        configuration cannot stream."""

    def forward_chunk(
        self, features: torch.Tensor, state: Any, final: bool = False
    ) -> tuple[torch.Tensor, Any]:
        """Outputs for the frames that ``features`` completes, and the state to carry on."""


@runtime_checkable
class IntermediateOutputEncoder(Protocol):
    """The optional intermediate-output part of the encoder contract (module docstring)."""

    def forward_with_intermediates(
        self, features: torch.Tensor, lengths: torch.Tensor, layers: Any
    ) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]]:
        """``forward``'s outputs plus the states after each of ``layers`` (1-based)."""


def require_streaming(encoder: Encoder) -> StreamingEncoder:
    """``encoder`` if it can stream, else StreamingNotSupportedError naming the reason."""
    if not isinstance(encoder, StreamingEncoder):
        raise StreamingNotSupportedError(
            f"encoder {type(encoder).__name__} does not implement streaming "
            "(initial_state/forward_chunk, see gru_asr.encoders.base)"
        )
    encoder.initial_state()  # raises with the reason when this configuration cannot stream
    return encoder


def build_encoder(config: dict, input_dim: int) -> Encoder:
    config = dict(config)
    encoder = ENCODERS.build(config.pop("name"), input_dim=input_dim, **config)
    for attr in ("output_dim", "subsampling_factor"):
        if not isinstance(getattr(encoder, attr, None), int):
            raise TypeError(f"encoder {type(encoder).__name__} must set an integer {attr!r}")
    return encoder
