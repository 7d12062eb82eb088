"""ARPA files on disk, plain or gzip-compressed (``lm.arpa.gz``).

KenLM (inside flashlight-text's wheel) reads a gzip-compressed ARPA itself, so an LM can
stay compressed: about a third of the size, which is what lets a model ship with its LM.
Python code that reads an ARPA (the words it knows) goes through :func:`open_arpa`,
which tells the two apart by their first bytes, as KenLM does, not by the name.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path
from typing import BinaryIO

_GZIP_MAGIC = b"\x1f\x8b"
# Level 6 (gzip's default): level 9 saves about 1 % more at twice the time.
_COMPRESS_LEVEL = 6


def wants_gzip(path: str | Path) -> bool:
    """An output named ``*.gz`` is written gzip-compressed."""
    return str(path).endswith(".gz")


def open_arpa(path: str | Path) -> BinaryIO:
    """The ARPA file's bytes, decompressed if it is gzip."""
    with open(path, "rb") as f:
        compressed = f.read(2) == _GZIP_MAGIC
    return gzip.open(path, "rb") if compressed else open(path, "rb")


def open_for_writing(path: str | Path, compressed: bool) -> BinaryIO:
    """A binary file to write an ARPA into; ``mtime=0`` keeps the gzip bytes reproducible."""
    if not compressed:
        return open(path, "wb")
    return gzip.GzipFile(filename="", fileobj=open(path, "wb"), mode="wb", compresslevel=_COMPRESS_LEVEL, mtime=0)


def compress_file(src: str | Path, dst: str | Path) -> None:
    """Write ``src``'s bytes to ``dst`` gzip-compressed."""
    with open(src, "rb") as f, open_for_writing(dst, compressed=True) as out:
        shutil.copyfileobj(f, out, length=1 << 20)


def require_arpa(path: str | Path) -> None:
    """ValueError unless ``path`` is an ARPA file (plain or gzip): a KenLM binary does not
    list its words, and lexicon-free decoding needs to know which words the LM knows."""
    try:
        with open_arpa(path) as f:
            head = f.read(4096)
    except (OSError, EOFError) as err:  # a truncated or corrupt gzip stream
        raise ValueError(f"{path}: not a readable ARPA file ({err})") from None
    if head.startswith(b"mmap lm") or b"\\data\\" not in head:
        raise ValueError(f"{path}: lexicon-free beam_lm needs the LM as an ARPA file (it reads the known words "
                         "from its unigrams); this is not one (a KenLM binary?): pass the ARPA, or give a lexicon")


def arpa_vocabulary(path: str | Path) -> list[str]:
    """The unigram words of an ARPA file, in file order."""
    require_arpa(path)
    words, in_unigrams = [], False
    with open_arpa(path) as f:
        for raw in f:
            line = raw.decode("utf-8", errors="replace").strip()
            if line == "\\1-grams:":
                in_unigrams = True
            elif in_unigrams:
                if not line or line.startswith("\\"):
                    break
                parts = line.split("\t") if "\t" in line else line.split()
                if len(parts) >= 2:
                    words.append(parts[1])
    return words
