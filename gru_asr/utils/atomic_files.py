"""Atomic file writes: a crash, a kill or a full disk leaves either the old file or the
complete new one, never half of one. Standard library only, so that writing a manifest
or a tokenizer file does not import torch."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path
from typing import IO, Any, Callable


class AtomicWriteError(OSError):
    """Writing a file failed (disk full, read-only folder, ...). The file that
    was there before is unchanged; ``errno`` is the operating system's code."""


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_write`)."""
    atomic_write(path, lambda f: f.write(data))


def atomic_write(path: str | Path, write: Callable[[IO[bytes]], Any]) -> None:
    """Call ``write(f)`` on a temporary file beside ``path``, fsync it, then
    rename it over ``path`` and fsync the folder.

    A crash, a kill or a full disk at any point leaves either the old file or
    the complete new one under ``path``, never a half-written one. A failed
    write raises :class:`AtomicWriteError` naming the file and the cause, and
    removes the temporary file.
    """
    path = Path(path)
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        # mkstemp makes the file private (0600); give it the mode a plain open() would.
        os.fchmod(fd, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        tmp = None
        _fsync_folder(path.parent)
    except Exception as err:
        # Serializers that stream into the file (torch.save) may replace the
        # OSError of a failed write with an error of their own ("unexpected
        # pos"): report the operating system's cause, which is what to fix.
        cause = _os_error_in(err)
        if cause is None:
            raise
        code = cause.errno or errno.EIO
        kept = "the previous file is unchanged" if path.exists() else "nothing was written"
        raise AtomicWriteError(
            code, f"cannot write {path}: {os.strerror(code)} ({errno.errorcode.get(code, code)}); {kept}"
        ) from err
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):  # the temporary file may not exist
                os.unlink(tmp)


def _os_error_in(err: BaseException) -> OSError | None:
    """``err`` itself, or the exception it was raised from or during, if that is an OSError."""
    seen = 0
    while err is not None and seen < 8:
        if isinstance(err, OSError):
            return err
        err = err.__cause__ or err.__context__
        seen += 1
    return None


def _read_umask() -> int:
    # os.umask can only be read by setting it; done once, at import, because
    # setting it while other threads create files would change their modes.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (matters after a power cut, not a kill)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # some filesystems do not open folders; the rename has still happened
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
