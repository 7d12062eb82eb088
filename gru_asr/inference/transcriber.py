"""The one interface every runtime implements: audio files in, one
:class:`~gru_asr.inference.core.Transcription` per file out, in input order.

The runtimes: :class:`gru_asr.inference.api.Model` (PyTorch, any decoder),
:class:`gru_asr.inference.onnx_runtime.OnnxModel` (onnxruntime, no torch) and
:class:`gru_asr.inference.streaming.StreamingRuntime` (each file fed chunk by chunk);
:func:`gru_asr.inference.runtimes.open_transcriber` picks one from the command line's options.
Torch-free, like :mod:`gru_asr.inference.core`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from gru_asr.inference.core import Transcription


class Transcriber(ABC):
    """A file that cannot be read gets a result with ``error`` set instead of stopping
    the others. Files are read ``group_size`` at a time, so memory is bounded by a
    group, not by the whole list."""

    sample_rate: int

    @abstractmethod
    def transcribe_group(self, paths: Sequence[str], batch_size: int, **options) -> list[Transcription]:
        """One result per path, in order; ``options`` are the runtime's own."""

    def iter_transcribe(self, paths: Sequence[str | Path], batch_size: int = 16, progress: bool = False,
                        group_size: int = 256, **options) -> Iterator[Transcription]:
        """Results in input order, each group's as soon as it is decoded; ``progress``
        draws a bar over files on stderr."""
        paths = [str(p) for p in paths]
        step = max(1, group_size)
        bar = progress_bar(len(paths), enabled=progress)
        try:
            for start in range(0, len(paths), step):
                for result in self.transcribe_group(paths[start : start + step], batch_size, **options):
                    bar.update(1)
                    yield result
        finally:
            bar.close()

    def transcribe(self, audio: str | Path | Iterable[str | Path], batch_size: int = 16, progress: bool = False,
                   group_size: int = 256, **options) -> list[Transcription]:
        paths = [audio] if isinstance(audio, (str, Path)) else list(audio)
        return list(self.iter_transcribe(paths, batch_size, progress, group_size, **options))


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def progress_bar(total: int, enabled: bool):
    """A tqdm bar over files on stderr; tqdm is imported only when a bar is drawn, so the
    ONNX runtime needs it only then."""
    if not enabled:
        return _NoBar()
    import sys

    from tqdm import tqdm

    return tqdm(total=total, unit="file", file=sys.stderr, dynamic_ncols=True)
