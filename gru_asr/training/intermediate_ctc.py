"""Intermediate CTC (Lee & Watanabe, ICASSP 2021): CTC losses on lower encoder layers.

The model's own CTC head also reads the states after some lower layers of the
encoder, and the training objective mixes their CTC losses in::

    loss = (1 - weight) * ctc(final) + weight * mean over layers of ctc(layer)

The lower layers then have to carry a transcribable representation themselves, which
regularizes a deep stack trained on little data (the same idea as NeMo's ``interctc``
and ESPnet's ``interctc_layer_idx``). It costs one head projection and one CTC loss
per tapped layer in training only: validation, inference and the packaged model are
unchanged (the head is shared, no parameter is added).

Configured as ``interctc: {layers: [2], weight: 0.3}`` (``null`` turns it off); layers
are 1-based indices into the encoder's stack, the last one excluded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class IntermediateCTC:
    layers: tuple[int, ...]
    weight: float

    def mix(self, final_loss, intermediate_losses):
        """The training objective from the final and the intermediate CTC losses."""
        return (1.0 - self.weight) * final_loss + self.weight * sum(intermediate_losses) / len(intermediate_losses)


def parse_intermediate_ctc(config: Any) -> IntermediateCTC | None:
    """``interctc`` config -> settings, or None when off. Refuses anything unclear
    (a misspelled field must not quietly train without it)."""
    if config is None:
        return None
    if not isinstance(config, dict) or set(config) != {"layers", "weight"}:
        raise ValueError(f"interctc must be null or a mapping like {{layers: [2], weight: 0.3}}, got {config!r}")
    layers = config["layers"]
    if isinstance(layers, int) or not layers or not all(isinstance(i, int) and not isinstance(i, bool) for i in layers):
        raise ValueError(f"interctc.layers must be a non-empty list of layer numbers (1-based), got {layers!r}")
    if len(set(layers)) != len(layers):
        raise ValueError(f"interctc.layers repeats a layer: {list(layers)}")
    weight = float(config["weight"])
    if not 0.0 < weight < 1.0:
        raise ValueError(f"interctc.weight must be between 0 and 1 (exclusive), got {weight}")
    return IntermediateCTC(tuple(layers), weight)
