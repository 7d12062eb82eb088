"""The text an LM is built from, streamed: text files (one sentence per line; ``.xz`` and
``.gz`` are decompressed on the fly) and JSONL manifests (their ``text`` fields).

A 40 M-word corpus is read a few MB at a time, never as one list. Bad input raises
:class:`~gru_asr.cli.errors.UserError` naming the file and the cause, with the messages
:func:`gru_asr.cli.errors.read_text_lines` gives for small files. A source that holds no
text at all is an error too, raised once the whole source has been read.

:func:`fast_normalizer` makes the model's :class:`~gru_asr.text.TextNormalizer` cheap on
millions of lines without changing what it returns.
"""

from __future__ import annotations

import gzip
import lzma
import re
from pathlib import Path
from typing import Callable, Iterator

from gru_asr.cli.errors import UserError

_BLOCK = 1 << 22  # bytes decoded at a time: big enough for C-speed decoding, small in memory
_COMPRESSED = {".xz": (lzma.open, (lzma.LZMAError, EOFError)), ".gz": (gzip.open, (gzip.BadGzipFile, EOFError, OSError))}


def iter_text_lines(path: str | Path, what: str = "text file") -> Iterator[str]:
    """The lines of a UTF-8 text file, plain, ``.xz`` or ``.gz``, as :meth:`str.splitlines`
    splits them. A missing, unreadable, corrupt, binary or non-UTF-8 file raises UserError."""
    path = Path(path)
    opener, corrupt = _COMPRESSED.get(path.suffix.lower(), (open, ()))
    if path.is_dir():
        raise UserError(f"{path}: is a folder, not a {what}")
    try:
        f = opener(path, "rb")
    except OSError as err:
        raise UserError(f"{path}: cannot read the {what} ({err.strerror or err})") from None
    byte_offset = char_offset = 0
    rest = b""
    with f:
        while True:
            try:
                data = f.read(_BLOCK)
            except corrupt as err:
                raise UserError(f"{path}: the compressed {what} is corrupt ({err})") from None
            except OSError as err:
                raise UserError(f"{path}: cannot read the {what} ({err.strerror or err})") from None
            block = rest + data
            if data:  # decode whole lines only, so that no character is split
                cut = block.rfind(b"\n") + 1
                block, rest = block[:cut], block[cut:]
            else:
                rest = b""
            if block:
                try:
                    text = block.decode("utf-8")
                except UnicodeDecodeError as err:
                    raise UserError(f"{path}: the {what} is not UTF-8 text (byte {byte_offset + err.start}); "
                                    f"convert it first, e.g. iconv -f latin1 -t utf-8") from None
                nul = text.find("\x00")
                if nul >= 0:
                    raise UserError(f"{path}: binary data (a NUL byte at {char_offset + nul}), not a {what}")
                byte_offset += len(block)
                char_offset += len(text)
                yield from text.splitlines()
            if not data:
                return


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
