"""Sentences -> one int32 array of word ids, ``<s> w1 ... wk </s>`` per sentence.

Words get ids in one pass, in order of first sight (a dict lookup per word at C speed,
no per-sentence Python lists kept), into bounded chunks; once the text is read the ids are
renumbered by count, most frequent first after the three special words, and an optional
vocabulary limit maps every word past the N most frequent to ``<unk>``.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from dataclasses import dataclass
from itertools import count
from typing import Iterable

import numpy as np

UNK, BOS, EOS = "<unk>", "<s>", "</s>"
UNK_ID, BOS_ID, EOS_ID = 0, 1, 2
_CHUNK = 1 << 22  # ids buffered in a Python array before they move to numpy


@dataclass
class Corpus:
    tokens: np.ndarray  # int32; each sentence as <s> ids... </s>
    vocab: list[str]  # id -> word: <unk>, <s>, </s>, then words by count (most frequent first)
    sentences: int
    words: int  # words read (without <s>/</s>), before any vocabulary limit

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)


class CorpusEncoder:
    """Collects sentences as ids; :meth:`finish` returns the :class:`Corpus`."""

    def __init__(self):
        self._ids = defaultdict(count().__next__)  # a new word gets the next id, at C speed
        for special in (UNK, BOS, EOS):
            self._ids[special]
        self._buffer = array("i")
        self._chunks: list[np.ndarray] = []
        self.sentences = 0

    def add(self, sentence: str) -> bool:
        """Add one normalized sentence; False (and nothing added) when it has no words."""
        words = sentence.split()
        if not words:
            return False
        buf = self._buffer
        buf.append(BOS_ID)
        buf.extend(map(self._ids.__getitem__, words))
        buf.append(EOS_ID)
        self.sentences += 1
        if len(buf) >= _CHUNK:
            self._flush()
        return True

    def _flush(self) -> None:
        if self._buffer:
            self._chunks.append(np.frombuffer(self._buffer, dtype=np.int32).copy())
            self._buffer = array("i")

    def finish(self, vocab_size: int | None = None) -> Corpus:
        """Renumber by count and apply the vocabulary limit (``vocab_size`` words besides
        ``<unk>``, ``<s>`` and ``</s>``)."""
        self._flush()
        if not self.sentences:
            raise ValueError("no text to build a language model from")
        tokens = np.concatenate(self._chunks)
        self._chunks = []
        words = list(self._ids)  # provisional id -> word (dicts keep insertion order)
        counts = np.bincount(tokens, minlength=len(words)).tolist()
        n_words = len(tokens) - 2 * self.sentences
        # Most frequent first; ties by spelling, so that the numbering does not depend on
        # the order of the text.
        rest = sorted(range(3, len(words)), key=lambda i: (-counts[i], words[i]))
        if vocab_size is not None:
            if vocab_size < 1:
                raise ValueError(f"the vocabulary size must be at least 1, not {vocab_size}")
            rest = rest[:vocab_size]
        new_id = np.full(len(words), UNK_ID, dtype=np.int32)
        new_id[[UNK_ID, BOS_ID, EOS_ID]] = [UNK_ID, BOS_ID, EOS_ID]
        new_id[rest] = np.arange(3, 3 + len(rest), dtype=np.int32)
        tokens = new_id[tokens]
        return Corpus(tokens=tokens, vocab=[UNK, BOS, EOS] + [words[i] for i in rest],
                      sentences=self.sentences, words=n_words)


def encode_corpus(sentences: Iterable[str], vocab_size: int | None = None) -> Corpus:
    encoder = CorpusEncoder()
    for sentence in sentences:
        encoder.add(sentence)
    return encoder.finish(vocab_size)
