"""Silence what a compiled library writes straight to file descriptor 2.

KenLM (inside flashlight-text) prints "Loading the LM will be faster if you build a binary
file.", the file name and a 100-star progress bar on the process's stderr while it reads
an ARPA file: Python's ``sys.stderr`` never sees it, so only redirecting the descriptor
keeps `gru-asr transcribe` to its transcripts and one-line errors. KenLM reports failures
by raising, so nothing the user needs is lost.
"""

from __future__ import annotations

import os
import sys
import tempfile
from contextlib import contextmanager, suppress
from typing import Iterator


@contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Send file descriptor 2 to a scratch file for the duration (no-op without one)."""
    try:
        fd = sys.__stderr__.fileno() if sys.__stderr__ is not None else 2
        saved = os.dup(fd)
    except (AttributeError, OSError, ValueError):  # no real stderr (embedded interpreters)
        yield
        return
    with suppress(AttributeError, OSError, ValueError):  # Python's buffered text goes out first
        sys.stderr.flush()
    try:
        with tempfile.TemporaryFile() as sink:
            os.dup2(sink.fileno(), fd)
            try:
                yield
            finally:
                os.dup2(saved, fd)
    finally:
        os.close(saved)
