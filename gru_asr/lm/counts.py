"""N-gram counts by sort-and-unique, one order at a time, as integer tables.

An n-gram is keyed by two integers: the row of its first n-1 words in the table of order
n-1, and its last word id (``key = row * V + word`` fits in 64 bits for any corpus that
fits in memory, whatever the order, where packing n word ids would not). Rows of each
table are sorted by that key, which sorts n-grams by their word ids, so the n-grams that
share a context are contiguous. Every table also records, for each n-gram, the row of its
suffix (words 2..n) one order down: Kneser-Ney's continuation counts and the
interpolation need it, and pruning keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gru_asr.lm.corpus import BOS_ID, EOS_ID, Corpus


@dataclass
class NgramTable:
    """The distinct n-grams of one order, sorted by their word ids."""

    order: int
    word: np.ndarray  # int32: the last word
    context: np.ndarray | None  # int32: row of words 1..n-1 in the table of order n-1 (None for unigrams)
    suffix: np.ndarray | None  # int32: row of words 2..n in the table of order n-1 (None for unigrams)
    count: np.ndarray  # int64: occurrences in the text
    starts_with_bos: np.ndarray  # bool

    def __len__(self) -> int:
        return len(self.word)


def count_ngrams(corpus: Corpus, order: int) -> list[NgramTable]:
    """Tables for orders 1..``order``; unigram rows are the word ids (all of the vocabulary)."""
    if order < 1:
        raise ValueError("order must be >= 1")
    tokens = corpus.tokens
    vocab = corpus.vocab_size
    ids = np.arange(vocab, dtype=np.int32)
    tables = [NgramTable(1, ids, None, None, np.bincount(tokens, minlength=vocab).astype(np.int64), ids == BOS_ID)]
    # A position continues the sentence of the one before it unless that one ends a sentence.
    continues = np.zeros(len(tokens), dtype=bool)
    np.not_equal(tokens[:-1], EOS_ID, out=continues[1:])
    rows = tokens  # rows[i]: row of the (n-1)-gram that ends at position i (-1: none)
    for n in range(2, order + 1):
        # The n-gram ending at i is the (n-1)-gram ending at i-1 followed by token i.
        at = np.flatnonzero(continues[1:] & (rows[:-1] >= 0)) + 1
        keys = rows[at - 1].astype(np.int64) * vocab + tokens[at]
        perm = np.argsort(keys, kind="stable")  # stable: timsort is the faster of numpy's on these keys
        keys = keys[perm]
        at_sorted = at[perm]
        del perm, at
        first = np.ones(len(keys), dtype=bool)
        np.not_equal(keys[1:], keys[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        unique = keys[starts]
        del keys
        new_rows = np.full(len(tokens), -1, dtype=np.int32)
        new_rows[at_sorted] = np.cumsum(first, dtype=np.int64).astype(np.int32) - 1
        context = (unique // vocab).astype(np.int32)
        counts = np.diff(np.append(starts, len(first))).astype(np.int64)
        tables.append(NgramTable(
            order=n,
            word=(unique % vocab).astype(np.int32),
            context=context,
            suffix=rows[at_sorted[starts]].astype(np.int32),  # words 2..n end where the n-gram ends
            count=counts,
            starts_with_bos=tables[-1].starts_with_bos[context],
        ))
        del at_sorted, first, starts, unique
        rows = new_rows
    return tables
