"""ARPA text from the count tables and their estimates, a block of lines at a time.

Tens of millions of lines are too many to format one by one in Python (about a
microsecond each), so each block is assembled as bytes with numpy: every field of a line
(numbers in fixed point with 6 decimals, words from the vocabulary's bytes) is a slice of
a byte pool, and the slices of all lines are gathered into one output buffer at once. The file is written beside ``path`` and moved
into place at the end, so a failed build leaves no partial ARPA behind. A path ending in
``.gz`` is written gzip-compressed (KenLM reads it so; see arpa_text.py).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from gru_asr.lm.arpa_text import open_for_writing, wants_gzip
from gru_asr.lm.counts import NgramTable
from gru_asr.lm.kneser_ney import OrderEstimate

_LINES_PER_BLOCK = 1 << 17
_TAB, _SPACE, _NEWLINE = b"\t", b" ", b"\n"


def write_arpa(path: str | Path, vocab: list[str], tables: list[NgramTable], estimates: list[OrderEstimate]) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    words = _byte_pool([w.encode("utf-8") for w in vocab])
    tmp = path.with_name(f".{path.name}.partial")
    try:
        with open_for_writing(tmp, compressed=wants_gzip(path)) as f:
            f.write(b"\\data\\\n")
            for t, e in zip(tables, estimates):
                f.write(b"ngram %d=%d\n" % (t.order, int(e.keep.sum())))
            for n, e in enumerate(estimates):
                f.write(b"\n\\%d-grams:\n" % (n + 1))
                rows = np.flatnonzero(e.keep)
                for start in range(0, len(rows), _LINES_PER_BLOCK):
                    block = rows[start : start + _LINES_PER_BLOCK]
                    f.write(_lines(words, ngram_word_ids(tables, n, block), e.log10_prob[block],
                                   None if e.log10_backoff is None else e.log10_backoff[block]))
            f.write(b"\n\\end\\\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def ngram_word_ids(tables: list[NgramTable], n: int, rows: np.ndarray) -> np.ndarray:
    """The (len(rows), n+1) word ids of rows of the order-(n+1) table."""
    ids = np.empty((len(rows), n + 1), dtype=np.int32)
    for k in range(n, 0, -1):
        ids[:, k] = tables[k].word[rows]
        rows = tables[k].context[rows]
    ids[:, 0] = rows  # unigram rows are word ids
    return ids


def _byte_pool(items: list[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Strings as one flat uint8 array with each one's offset and length."""
    lengths = np.array([len(b) for b in items], dtype=np.int64)
    return np.frombuffer(b"".join(items), dtype=np.uint8), np.cumsum(lengths) - lengths, lengths


def fixed6(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``%.6f`` of each value as a field (pool, offsets, lengths) for :func:`_assemble`: row
    i of a 12-byte-wide matrix holds sign and up to 4 integer digits right-aligned in
    columns 0-4, the point in 5 and the decimals in 6-11."""
    v = np.rint(np.asarray(x, dtype=np.float64) * 1e6).astype(np.int64)
    negative, a = v < 0, np.abs(v)
    whole, frac = a // 1_000_000, a % 1_000_000
    if len(whole) and whole.max() >= 10_000:
        raise ValueError(f"{-whole.max()}: a log10 value too large for an ARPA file")
    m = np.empty((len(v), 12), dtype=np.uint8)
    for col in range(11, 5, -1):
        m[:, col] = 48 + frac % 10
        frac //= 10
    m[:, 5] = ord(".")
    digits = 1 + (whole >= 10).astype(np.int64) + (whole >= 100) + (whole >= 1000)
    for col in range(4, 0, -1):
        m[:, col] = 48 + whole % 10
        whole //= 10
    m[:, 0] = 48
    start = 5 - digits - negative
    m[np.flatnonzero(negative), start[negative]] = ord("-")
    return m.ravel(), np.arange(len(v), dtype=np.int64) * 12 + start, 12 - start


def _lines(words: tuple[np.ndarray, np.ndarray, np.ndarray], ids: np.ndarray, prob: np.ndarray,
           backoff: np.ndarray | None) -> bytes:
    """``prob<TAB>w1 w2 ...[<TAB>backoff]`` lines."""
    pool, offsets, lengths = words
    fields: list = [fixed6(prob), _TAB]
    for k in range(ids.shape[1]):
        if k:
            fields.append(_SPACE)
        fields.append((pool, offsets[ids[:, k]], lengths[ids[:, k]]))
    if backoff is not None:
        fields += [_TAB, fixed6(backoff)]
    fields.append(_NEWLINE)
    return _assemble(fields, len(ids))


def _assemble(fields: list, count: int) -> bytes:
    """Concatenate per-line fields: a bytes constant, or (pool, offsets, lengths) giving line
    i the bytes ``pool[offsets[i] : offsets[i] + lengths[i]]``.

    All pools go into one array; the lines' segments, row by row, are one ragged gather
    from it (a repeat and an arange), so no Python loop runs per line."""
    pools, base = [], {}
    size = 0
    src = np.empty((count, len(fields)), dtype=np.int64)
    length = np.empty((count, len(fields)), dtype=np.int64)
    for j, f in enumerate(fields):
        pool, offsets, lengths = (np.frombuffer(f, dtype=np.uint8), 0, len(f)) if isinstance(f, bytes) else f
        key = id(pool) if not isinstance(f, bytes) else f
        if key not in base:
            base[key] = size
            pools.append(pool)
            size += len(pool)
        src[:, j] = base[key] + offsets
        length[:, j] = lengths
    src, length = src.ravel(), length.ravel()
    starts = np.cumsum(length) - length  # where each segment lands in the output
    total = int(starts[-1] + length[-1]) if count else 0
    # int32 halves the memory traffic; a block is far below 2**31 bytes
    index = np.repeat((src - starts).astype(np.int32), length)
    index += np.arange(total, dtype=np.int32)
    return np.concatenate(pools)[index].tobytes()
