"""The former pure-Python modified Kneser-Ney estimator, kept ONLY as a test oracle for
gru_asr/lm (the numpy builder must agree with it to 1e-4 in every log10 probability and
backoff). Dicts keyed by word tuples: fine for a few hundred sentences, hopeless at 40 M
words, which is why the package no longer uses it.

The estimate follows Chen & Goodman (1998) as KenLM's ``lmplz`` does: discounts D1, D2,
D3+ per order from counts-of-counts, continuation counts for lower orders, interpolation
with the lower order, and ``<unk>`` (count 0) in the unigrams. No pruning."""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Iterable

BOS, EOS, UNK = "<s>", "</s>", "<unk>"


def reference_ngram(sentences: Iterable[str], order: int = 3) -> dict[int, dict[tuple[str, ...], tuple[float, float | None]]]:
    """Return ``{n: {ngram: (log10 prob, log10 backoff or None)}}``."""
    if order < 1:
        raise ValueError("order must be >= 1")
    raw: list[dict[tuple[str, ...], int]] = [defaultdict(int) for _ in range(order + 1)]
    for line in sentences:
        words = line.split()
        if not words:
            continue
        toks = [BOS] + words + [EOS]
        for n in range(1, order + 1):
            for i in range(max(1, n - 1), len(toks)):
                start = i - n + 1
                if start >= 0:
                    raw[n][tuple(toks[start : i + 1])] += 1
    raw[1].pop((BOS,), None)
    if not raw[1]:
        raise ValueError("no text to build a language model from")

    # Kneser-Ney: below the highest order, an n-gram counts the distinct words
    # seen before it (continuation count), except when it starts with <s>.
    counts: list[dict[tuple[str, ...], int]] = [dict() for _ in range(order + 1)]
    counts[order] = dict(raw[order])
    for n in range(order - 1, 0, -1):
        left = defaultdict(int)
        for gram in raw[n + 1]:
            left[gram[1:]] += 1
        counts[n] = {g: (c if g[0] == BOS else left.get(g, c)) for g, c in raw[n].items()}
    counts[1][(UNK,)] = 0

    probs: dict[int, dict[tuple[str, ...], float]] = {}
    gammas: dict[int, dict[tuple[str, ...], float]] = {}
    # Unigrams, interpolated with the uniform distribution over the vocabulary.
    d = _discounts(counts[1])
    total = sum(counts[1].values())
    gamma0 = sum(d[min(c, 3)] for c in counts[1].values() if c > 0) / total
    uniform = 1.0 / len(counts[1])
    probs[1] = {g: (max(c - d[min(c, 3)], 0.0) if c else 0.0) / total + gamma0 * uniform for g, c in counts[1].items()}
    for n in range(2, order + 1):
        d = _discounts(counts[n])
        ctx_total: dict[tuple[str, ...], int] = defaultdict(int)
        ctx_discount: dict[tuple[str, ...], float] = defaultdict(float)
        for gram, c in counts[n].items():
            ctx_total[gram[:-1]] += c
            ctx_discount[gram[:-1]] += d[min(c, 3)]
        gammas[n - 1] = {ctx: ctx_discount[ctx] / ctx_total[ctx] for ctx in ctx_total}
        probs[n] = {}
        for gram, c in counts[n].items():
            ctx = gram[:-1]
            lower = _backed_off(probs, gammas, gram[1:])
            probs[n][gram] = (c - d[min(c, 3)]) / ctx_total[ctx] + gammas[n - 1][ctx] * lower

    # ARPA: interpolated probabilities for seen n-grams; the backoff weight of a
    # context is its interpolation weight gamma.
    out: dict[int, dict[tuple[str, ...], tuple[float, float | None]]] = {}
    for n in range(1, order + 1):
        table: dict[tuple[str, ...], tuple[float, float | None]] = {}
        grams = dict(probs[n])
        if n == 1 and order > 1:
            grams[(BOS,)] = 0.0
        for gram, p in grams.items():
            bo = None
            if n < order:
                g = gammas[n].get(gram)
                bo = math.log10(g) if g and g > 0 else 0.0
            table[gram] = (math.log10(p) if p > 0 else -99.0, bo)
        out[n] = table
    return out


def _backed_off(probs, gammas, gram: tuple[str, ...]) -> float:
    """p(gram) from the tables built so far, backing off through gammas."""
    n = len(gram)
    if gram in probs[n]:
        return probs[n][gram]
    if n == 1:
        return probs[1][(UNK,)]
    return gammas[n - 1].get(gram[:-1], 1.0) * _backed_off(probs, gammas, gram[1:])


def _discounts(counts: dict) -> dict[int, float]:
    coc = defaultdict(int)
    for c in counts.values():
        if 1 <= c <= 4:
            coc[c] += 1
    n1, n2, n3, n4 = (coc[i] for i in (1, 2, 3, 4))
    if min(n1, n2, n3, n4) == 0 or n1 + 2 * n2 == 0:
        return {1: 0.5, 2: 1.0, 3: 1.5}  # too little data for the estimate: fixed discounts
    y = n1 / (n1 + 2 * n2)
    return {
        1: max(0.0, 1 - 2 * y * n2 / n1),
        2: max(0.0, 2 - 3 * y * n3 / n2),
        3: max(0.0, 3 - 4 * y * n4 / n3),
    }
