"""Weighted mixing of several training corpora, drawn afresh every epoch.

Semantics, for corpora ``1..m`` with weights ``w_i > 0`` and ``D_i`` seconds of
usable audio each (after the dataset dropped bad utterances):

* **Seconds per corpus.** By default the first corpus anchors the epoch: it
  contributes all its ``D_1`` seconds, and corpus ``i`` contributes
  ``T_i = w_i / w_1 x D_1`` seconds. With ``epoch_seconds=E`` the epoch has
  ``E`` seconds and ``T_i = w_i / sum(w) x E``. Either way ``T_i / T_j = w_i / w_j``.
* **Drawing ``T_i`` seconds from corpus ``i``.** ``k = floor(T_i / D_i)`` full
  passes (every utterance ``k`` times), then the remainder ``R`` is drawn without
  replacement: the corpus is shuffled with a generator seeded by
  ``(seed, epoch, corpus)`` and utterances are taken in that order until the
  next one would overshoot ``R`` by more than half its own duration. The total
  is within half an utterance of ``T_i``; an utterance appears at most once in
  an epoch when ``T_i <= D_i`` (subsampling, a different subset each epoch),
  and ``k`` or ``k + 1`` times only when the weight asks for oversampling.
* The drawn utterances go through the same duration bucketing, rank split and
  even-out as a single corpus (:class:`DurationBatchSampler`). The draw is a
  pure function of ``(seed, epoch)``: every rank computes the same epoch, and
  a resumed run replays it exactly from the sampler state.

Compared with lhotse's ``CutSet.mux``, the weights set the same share of each
corpus, but exactly in seconds per epoch rather than in expectation per drawn
cut; as with ESPnet's multiple iterators an epoch has a fixed size (the anchor
corpus, or ``epoch_seconds``).
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from typing import Sequence

from gru_asr.data.sampler import DurationBatchSampler

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CorpusDraw:
    """What one corpus contributed to one epoch."""

    name: str
    seconds: float
    utterances: int
    distinct: int


def corpus_targets(totals: Sequence[float], weights: Sequence[float], epoch_seconds: float | None = None) -> list[float]:
    """Seconds each corpus contributes per epoch (see the module docstring)."""
    if len(totals) != len(weights) or not totals:
        raise ValueError("need one weight per corpus, and at least one corpus")
    if any(w <= 0 for w in weights):
        raise ValueError(f"corpus weights must be positive, got {list(weights)}")
    if epoch_seconds is None:
        return [w / weights[0] * totals[0] for w in weights]
    if epoch_seconds <= 0:
        raise ValueError("epoch_seconds must be positive")
    return [w / sum(weights) * epoch_seconds for w in weights]


def draw_seconds(members: Sequence[int], durations: Sequence[float], target: float, rng: random.Random) -> list[int]:
    """About ``target`` seconds of ``members``: full passes, then a shuffled partial pass."""
    total = sum(durations[i] for i in members)
    # The epsilon keeps T = 2 x D computed in floating point from becoming 1 pass + 99.99 %.
    passes = int(target / total + 1e-9)
    remainder = target - passes * total
    picked = list(members) * passes
    order = list(members)
    rng.shuffle(order)
    got = 0.0
    for i in order:
        if got + durations[i] / 2 > remainder:
            break
        picked.append(i)
        got += durations[i]
    return picked


class MixedDurationBatchSampler(DurationBatchSampler):
    """:class:`DurationBatchSampler` over a weighted per-epoch draw from several corpora.

    ``corpus_of[i]`` is the corpus (an index into ``weights``) of utterance ``i``.
    All other arguments are those of :class:`DurationBatchSampler`.
    """

    def __init__(
        self,
        durations: Sequence[float],
        corpus_of: Sequence[int],
        weights: Sequence[float],
        max_seconds: float,
        names: Sequence[str] | None = None,
        epoch_seconds: float | None = None,
        **sampler_args,
    ):
        super().__init__(durations, max_seconds, **sampler_args)
        if len(corpus_of) != len(self.durations):
            raise ValueError(f"{len(corpus_of)} corpus labels for {len(self.durations)} utterances")
        self.weights = [float(w) for w in weights]
        self.names = list(names) if names is not None else [f"corpus{k}" for k in range(len(self.weights))]
        if len(self.names) != len(self.weights):
            raise ValueError(f"{len(self.names)} corpus names for {len(self.weights)} weights")
        self.members: list[list[int]] = [[] for _ in self.weights]
        for i, c in enumerate(corpus_of):
            if not 0 <= c < len(self.weights):
                raise ValueError(f"utterance {i} is labelled corpus {c}, but there are {len(self.weights)} corpora")
            self.members[c].append(i)
        self.totals = [sum(self.durations[i] for i in m) for m in self.members]
        empty = [n for n, t in zip(self.names, self.totals) if t <= 0]
        if empty:
            raise ValueError(f"training corpus {', '.join(empty)} has no usable audio")
        self.epoch_seconds = None if epoch_seconds is None else float(epoch_seconds)
        self.targets = corpus_targets(self.totals, self.weights, self.epoch_seconds)

    def _corpus_rng(self, epoch: int, corpus: int) -> random.Random:
        # A string seed is hashed with SHA-512 by ``random``: stable across
        # processes and Python versions, independent of PYTHONHASHSEED.
        return random.Random(f"gru_asr.mixing:{self.seed}:{epoch}:{corpus}")

    def _draw(self, epoch: int) -> list[list[int]]:
        return [draw_seconds(m, self.durations, t, self._corpus_rng(epoch, k)) for k, (m, t) in enumerate(zip(self.members, self.targets))]

    def epoch_indices(self, epoch: int) -> list[int]:
        return [i for drawn in self._draw(epoch) for i in drawn]

    def composition(self, epoch: int | None = None) -> list[CorpusDraw]:
        """Seconds and utterances each corpus contributes to an epoch."""
        epoch = self.epoch if epoch is None else epoch
        return [
            CorpusDraw(name, sum(self.durations[i] for i in drawn), len(drawn), len(set(drawn)))
            for name, drawn in zip(self.names, self._draw(epoch))
        ]

    def describe(self) -> str:
        lines = ["training corpus mixture (seconds per epoch):"]
        for name, w, total, target, n in zip(self.names, self.weights, self.totals, self.targets, self.members):
            lines.append(f"  {name}: weight {w:g}, {len(n)} utterances, {total:.0f} s available, {target:.0f} s per epoch ({target / total:.2f} passes)")
        return "\n".join(lines)

    def _mixture(self) -> dict:
        return {"names": list(self.names), "weights": list(self.weights), "epoch_seconds": self.epoch_seconds}

    def state_dict(self, batches_consumed: int | None = None) -> dict:
        return {**super().state_dict(batches_consumed), "mixture": self._mixture()}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        saved = state.get("mixture")
        if saved is not None and saved != self._mixture() and self._skip:
            # The interrupted epoch cannot be replayed under other weights; keep
            # the position so the epoch still ends after as many batches.
            log.warning(
                "the corpus mixture changed since the checkpoint (%s -> %s): the resumed epoch "
                "draws under the new weights and skips its first %d batches",
                saved, self._mixture(), self._skip,
            )
