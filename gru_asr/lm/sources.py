"""The text an LM is built from, streamed: text files (one sentence per line; ``.xz`` and
``.gz`` are decompressed on the fly) and JSONL manifests (their ``text`` fields).

A 40 M-word corpus is read a few MB at a time, never as one list. Bad input raises
:class:`~gru_asr.cli.errors.UserError` naming the file and the cause
(:func:`gru_asr.cli.errors.iter_text_lines`, the one reader of users' text files). A source that holds no
text at all is an error too, raised once the whole source has been read.

:func:`fast_normalizer` makes the model's :class:`~gru_asr.text.TextNormalizer` cheap on
millions of lines without changing what it returns.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Callable, Iterator

from gru_asr.cli.errors import UserError, iter_text_lines  # noqa: F401  (iter_text_lines: the reader of every text source)

def is_manifest(path: str | Path) -> bool:
    return str(path).endswith(".jsonl")


def iter_sentences(path: str | Path) -> Iterator[str]:
    """The sentences of a text file (one per line) or a JSONL manifest ('text' fields).
    A source with no text at all raises UserError naming it, after it has been read."""
    if is_manifest(path):
        from gru_asr.data import read_manifest

        lines = [e["text"] for e in read_manifest(path, resolve_paths=False)]  # manifests are small
    else:
        lines = iter_text_lines(path, "text file")
    any_text = False
    for line in lines:
        if not any_text and line.strip():
            any_text = True
        yield line
    if not any_text:
        what = "the manifest has no transcripts" if is_manifest(path) else "the file holds no text (it is empty)"
        raise UserError(f"{path}: {what}")


class _TokenCache(dict):
    """Whitespace-separated token -> its normalized form, filled on first sight."""

    def __init__(self, normalize: Callable[[str], str], limit: int):
        super().__init__()
        self.normalize, self.limit = normalize, limit

    def __missing__(self, token: str) -> str:
        value = self.normalize(token)
        if len(self) < self.limit:  # a bound on memory for text with endless distinct tokens
            self[token] = value
        return value


_LOOSE_APOSTROPHE = re.compile(r"(?<![A-Za-z])'|'(?![A-Za-z])")


def fast_normalizer(normalize: Callable[[str], str], cache_size: int = 2_000_000) -> Callable[[str], str]:
    """``normalize`` made fast for ASCII lines, with the same result.

    Why it is exact: for ASCII text every step of :class:`~gru_asr.text.TextNormalizer`
    (NFKC/NFKD are the identity, lowercasing, apostrophe folding, digit spelling, punctuation
    removal, the in-word apostrophe rule) looks at a character and its neighbours inside
    one whitespace-separated token, and whitespace around a token reads like the string's
    ends; the final whitespace collapse is the join. So a line is the join of its
    normalized tokens, and the few hundred thousand distinct tokens of a corpus are each
    normalized once. A line that is already words of ASCII letters with in-word
    apostrophes, one space apart (an LM corpus in upper case), is only lowercased: no
    step but lowercasing changes it when apostrophes are kept. Other lines, and
    normalizers of other classes, take the full path."""
    from gru_asr.text import TextNormalizer

    if type(normalize) is not TextNormalizer:
        return normalize
    cache = _TokenCache(normalize, cache_size)
    lookup = cache.__getitem__
    keeps_apostrophes = "'" in normalize.keep or not normalize.remove_punctuation
    case = str.lower if normalize.lowercase else str

    def fast(line: str) -> str:
        if not line.isascii():
            return normalize(line)
        if (keeps_apostrophes and line.replace(" ", "").replace("'", "").isalpha() and "  " not in line
                and line[0] != " " and line[-1] != " " and ("'" not in line or not _LOOSE_APOSTROPHE.search(line))):
            return case(line)
        return " ".join(filter(None, map(lookup, line.split())))

    return fast
