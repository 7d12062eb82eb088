"""How the command line reports bad input: one line, naming the file and the cause.

Commands raise :class:`UserError` (or one of the library's own input errors listed in
:func:`user_error_types`); ``gru-asr``'s ``main`` prints ``error: <message>`` on stderr
and exits 2. Anything else is a bug in gru_asr and keeps its traceback.

Outputs: a command that writes a file or folder the user may already have calls
:func:`refuse_to_overwrite` first, so nothing is replaced unless ``--overwrite`` is given.
"""

from __future__ import annotations

import gzip
import lzma
from pathlib import Path
from typing import Iterator


class UserError(Exception):
    """Input or a request the user can fix; the message names the file and the cause."""


def refuse_to_overwrite(path: str | Path, overwrite: bool, what: str = "file") -> Path:
    """Raise :class:`UserError` when ``path`` exists and ``overwrite`` is false."""
    path = Path(path)
    if path.exists() and not overwrite:
        kind = "folder" if path.is_dir() else what
        raise UserError(f"{path}: the {kind} exists; pass --overwrite to replace it")
    return path


def add_overwrite_flag(parser) -> None:
    parser.add_argument("--overwrite", action="store_true", help="replace outputs that already exist (default: refuse)")


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


def read_text_lines(path: str | Path, what: str = "text file") -> list[str]:
    """The lines of a UTF-8 text file the user named; a missing, unreadable, binary or
    non-UTF-8 file raises :class:`UserError` naming the file and the cause."""
    return list(iter_text_lines(path, what))


def user_error_types() -> tuple[type[BaseException], ...]:
    """The exception types that mean bad input rather than a bug. Imported lazily: each
    lives with the code that raises it, and some of those modules import torch."""
    from gru_asr.audio.io import AudioError
    from gru_asr.config_location import ConfigLocationError
    from gru_asr.data.manifest import ManifestError
    from gru_asr.decoders.label_prior import LabelPriorError
    from gru_asr.packaging.package import PackageError
    from gru_asr.registry import RegistryError
    from gru_asr.schemas import ConfigError

    return (UserError, ManifestError, PackageError, AudioError, ConfigError, RegistryError, ConfigLocationError,
            LabelPriorError)


def describe_os_error(err: OSError) -> str:
    """``PATH: cause`` for an OSError that names a file (FileNotFoundError and kin)."""
    cause = err.strerror or str(err)
    return f"{err.filename}: {cause}" if err.filename else cause
