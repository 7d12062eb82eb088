"""Interpolated modified Kneser-Ney estimation on count tables, with lmplz-style pruning.

The estimate follows Chen & Goodman (1998) as KenLM's ``lmplz`` does:

* adjusted counts: the highest order and n-grams starting with ``<s>`` keep their counts;
  other n-grams count the distinct words seen before them (continuation counts);
* discounts D1, D2, D3+ per order from the counts-of-counts of the adjusted counts
  (fixed 0.5, 1, 1.5 when some count of 1..4 never occurs, as ``--discount_fallback``);
* p(w | ctx) = (c - D(c)) / c(ctx) + gamma(ctx) p(w | shorter ctx), where
  gamma(ctx) = sum of D(c) over the context's n-grams / c(ctx), and unigrams are
  interpolated with the uniform distribution over the vocabulary (``<s>`` aside);
* the ARPA backoff of a context is its gamma.

Pruning (``lmplz --prune``): an n-gram of order n >= 2 seen no more than ``prune[n-1]``
times is dropped. Its discounted mass is not lost: it joins its context's gamma (the
whole adjusted count instead of D(c)), so every context's distribution, backoff included,
still sums to one, as in KenLM. The discounts are computed before pruning. An n-gram that
is kept keeps its context and its suffix one order down, so the ARPA stays valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from gru_asr.lm.corpus import BOS_ID
from gru_asr.lm.counts import NgramTable

FALLBACK_DISCOUNTS = (0.5, 1.0, 1.5)


@dataclass
class OrderEstimate:
    log10_prob: np.ndarray  # float64 per table row (-99 for <s>, which is only a context)
    log10_backoff: np.ndarray | None  # float64 per row; None at the highest order
    keep: np.ndarray  # bool per row: written to the ARPA


def parse_prune(prune: str | Sequence[int] | None, order: int) -> list[int]:
    """Count thresholds per order, as ``lmplz --prune``: ``"0,0,1"`` (or ``[0, 0, 1]``)
    drops 3-grams and above seen once; the last value holds for the remaining orders.
    Raises ValueError for values that are not counts, unigram pruning or a decrease."""
    if prune is None or prune == "" or (not isinstance(prune, str) and len(prune) == 0):
        return [0] * order
    items = prune.replace(" ", ",").split(",") if isinstance(prune, str) else list(prune)
    try:
        values = [int(v) for v in items if str(v).strip() != ""]
    except ValueError:
        raise ValueError(f"pruning thresholds are whole numbers separated by commas, e.g. 0,0,1,1 (not {prune!r})") from None
    if not values or any(v < 0 for v in values):
        raise ValueError(f"pruning thresholds are counts >= 0, e.g. 0,0,1,1 (not {prune!r})")
    if len(values) > order:
        raise ValueError(f"{len(values)} pruning thresholds for an order-{order} model (at most one per order)")
    if values[0] != 0:
        raise ValueError("unigrams cannot be pruned: the first threshold must be 0 (limit the vocabulary instead)")
    if any(b < a for a, b in zip(values, values[1:])):
        raise ValueError(f"pruning thresholds must not decrease with the order (as lmplz): {prune!r}")
    return values + [values[-1]] * (order - len(values))


def discounts(adjusted: np.ndarray) -> np.ndarray:
    """``[0, D1, D2, D3+]`` from the counts-of-counts (Chen & Goodman, eq. 26)."""
    n1, n2, n3, n4 = np.bincount(np.clip(adjusted, 0, 5), minlength=6)[1:5].tolist()
    if min(n1, n2, n3, n4) == 0:
        return np.array([0.0, *FALLBACK_DISCOUNTS])
    y = n1 / (n1 + 2 * n2)
    return np.array([0.0, max(0.0, 1 - 2 * y * n2 / n1), max(0.0, 2 - 3 * y * n3 / n2), max(0.0, 3 - 4 * y * n4 / n3)])


def adjusted_counts(tables: list[NgramTable]) -> list[np.ndarray]:
    order = len(tables)
    adjusted = [t.count for t in tables]
    for n in range(order - 1):
        below = tables[n]
        left = np.bincount(tables[n + 1].suffix, minlength=len(below)).astype(np.int64)
        adjusted[n] = np.where(below.starts_with_bos, below.count, left)
    adjusted[0] = adjusted[0].copy()
    adjusted[0][BOS_ID] = 0  # <s> is never predicted
    return adjusted


def kept_rows(tables: list[NgramTable], thresholds: list[int]) -> list[np.ndarray]:
    """Which rows survive pruning, closed under context and suffix."""
    keep = [np.ones(len(t), dtype=bool) if thr == 0 or t.order == 1 else t.count > thr
            for t, thr in zip(tables, thresholds)]
    if len(tables) == 1:
        keep[0][BOS_ID] = False  # no n-gram uses <s> as a context
    for n in range(len(tables) - 1, 1, -1):  # from the top, so that restored rows pass theirs down
        kept = np.flatnonzero(keep[n])
        keep[n - 1][tables[n].context[kept]] = True
        keep[n - 1][tables[n].suffix[kept]] = True
    return keep


def estimate(tables: list[NgramTable], prune: str | Sequence[int] | None = None) -> list[OrderEstimate]:
    """log10 probabilities and backoffs for every row of every table, and which rows to write."""
    order = len(tables)
    keep = kept_rows(tables, parse_prune(prune, order))
    adjusted = adjusted_counts(tables)

    c = adjusted[0].astype(np.float64)
    d = discounts(adjusted[0])[np.minimum(adjusted[0], 3)]
    total = c.sum()
    if total <= 0:
        raise ValueError("no text to build a language model from")
    gamma0 = d[adjusted[0] > 0].sum() / total
    prob = np.maximum(c - d, 0.0) / total + gamma0 / (len(c) - 1)  # uniform over the vocabulary without <s>
    prob[BOS_ID] = 0.0
    probs = [prob]
    backoffs: list[np.ndarray | None] = []
    for n in range(1, order):
        t, c_int = tables[n], adjusted[n]
        c = c_int.astype(np.float64)
        d = discounts(c_int)[np.minimum(c_int, 3)]
        below = len(tables[n - 1])
        denominator = np.bincount(t.context, weights=c, minlength=below)
        # A pruned n-gram's whole count leaves its context's distribution for the backoff.
        freed = np.bincount(t.context, weights=np.where(keep[n], d, c), minlength=below)
        gamma = np.divide(freed, denominator, out=np.zeros(below), where=denominator > 0)
        backoffs.append(np.log10(gamma, out=np.zeros(below), where=gamma > 0))
        probs.append((c - d) / denominator[t.context] + gamma[t.context] * probs[n - 1][t.suffix])
    backoffs.append(None)
    return [OrderEstimate(np.log10(p, out=np.full(len(p), -99.0), where=p > 0), bo, k)
            for p, bo, k in zip(probs, backoffs, keep)]
