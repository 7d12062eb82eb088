"""Reading audio: any format libsndfile decodes (wav, flac, ogg, opus, mp3, NIST SPHERE).

One reader, two outputs: :func:`load_audio` gives a torch tensor (training data, the
PyTorch runtime), :func:`read_audio` a numpy array (the ONNX runtime, which runs without
torch). Both apply the same checks and give the same samples. Everything that goes
wrong while reading becomes one :class:`AudioError` that names the file, so callers
can skip a bad utterance and report it by name.

This module imports torch only inside :func:`load_audio`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import soundfile as sf

from gru_asr.audio.resample import resample, resample_array

if TYPE_CHECKING:
    import torch


class AudioError(Exception):
    """A file could not be read as audio. ``path`` names the file."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class AudioInfo:
    sample_rate: int
    num_frames: int
    channels: int

    @property
    def duration(self) -> float:
        return self.num_frames / self.sample_rate if self.sample_rate else 0.0


def audio_info(path: str | Path) -> AudioInfo:
    path = _check_path(path)
    try:
        info = sf.info(str(path))
    except Exception as err:  # noqa: BLE001 - libsndfile raises several types
        raise AudioError(path, f"not a readable audio file ({_short(err)})") from None
    _check_not_truncated(path, info.extra_info)
    frames = info.frames
    if frames <= 0 or frames > 1 << 40:
        # Some decoders (mp3) report unknown length; count by decoding.
        frames = len(_read(path, 0, None)[0])
    return AudioInfo(info.samplerate, frames, info.channels)


def load_audio(
    path: str | Path,
    sample_rate: int = 16000,
    offset: float = 0.0,
    duration: float | None = None,
) -> "torch.Tensor":
    """Return mono float32 samples in [-1, 1] at ``sample_rate`` as a 1-D tensor.

    ``offset``/``duration`` (seconds) read a segment without decoding the rest of
    the file where the format allows seeking. Multi-channel audio is averaged to
    mono and other sample rates are resampled, never rejected.
    """
    import torch

    data, sr = _read_mono(path, sample_rate, offset, duration)
    return resample(torch.from_numpy(data), sr, sample_rate)


def read_audio(
    path: str | Path,
    sample_rate: int = 16000,
    offset: float = 0.0,
    duration: float | None = None,
) -> np.ndarray:
    """:func:`load_audio`'s samples as a float32 numpy array, read and resampled without torch."""
    data, sr = _read_mono(path, sample_rate, offset, duration)
    return resample_array(data, sr, sample_rate)


def _read_mono(path: str | Path, sample_rate: int, offset: float, duration: float | None) -> tuple[np.ndarray, int]:
    """Checked mono float32 samples at the file's own rate, and the rate to resample them
    from to ``sample_rate`` (snapped when the file's rate would need an intractable kernel)."""
    path = _check_path(path)
    data, sr = _read(path, offset, duration)
    if data.ndim == 2:
        data = data.mean(axis=1)
    if data.size == 0:
        raise AudioError(path, "contains no audio samples")
    if not np.isfinite(data).all():
        raise AudioError(path, "contains NaN or infinite samples")
    data = np.ascontiguousarray(data, dtype=np.float32)
    return data, (sr if sr == sample_rate else _tractable_rate(path, sr, sample_rate))


# Exact sinc resampling from rate a to rate b builds a kernel of about
# (b/g) x (a/g) taps (g = gcd): 441 x 160 for 44.1 -> 16 kHz, but 44101 x 16000
# (2.8 GB) for a file that claims 44101 Hz. Rates that odd do not occur in real
# recordings; they are snapped to the nearest multiple of 50 Hz (under 0.1 %
# pitch error above 25 kHz) rather than exhausting memory.
_MAX_KERNEL = 5_000_000
_RATE_RANGE = (1000, 1_000_000)


def _tractable_rate(path: Path, sr: int, target: int) -> int:
    def kernel(a: int) -> int:
        g = math.gcd(a, target)
        return (a // g) * (target // g)

    if kernel(sr) <= _MAX_KERNEL:
        return sr
    snapped = max(50, int(round(sr / 50)) * 50)
    if kernel(snapped) <= _MAX_KERNEL:
        return snapped
    raise AudioError(path, f"sample rate {sr} Hz cannot be resampled to {target} Hz")


def _check_path(path: str | Path) -> Path:
    try:
        p = Path(path)
        if not p.exists():
            raise AudioError(p, "file not found")
        if p.is_dir():
            raise AudioError(p, "is a directory, not an audio file")
        if p.stat().st_size == 0:
            raise AudioError(p, "file is empty (0 bytes)")
    except (TypeError, ValueError, OSError) as err:
        # a NUL byte or a non-string path from a manifest; permission denied
        raise AudioError(str(path)[:200], f"not a usable path ({_short(err)})") from None
    return p


def _read(path: Path, offset: float, duration: float | None) -> tuple[np.ndarray, int]:
    try:
        with sf.SoundFile(str(path)) as f:
            _check_not_truncated(path, f.extra_info)
            sr = f.samplerate
            if not _RATE_RANGE[0] <= sr <= _RATE_RANGE[1]:
                raise AudioError(path, f"implausible sample rate {sr} Hz in the header")
            start = int(round(offset * sr))
            if start:
                if f.seekable():
                    f.seek(start)
                else:  # decode and discard: correct, only slower
                    f.read(start, dtype="float32", always_2d=True)
            frames = -1 if duration is None else int(round(duration * sr))
            data = f.read(frames, dtype="float32", always_2d=True)
    except AudioError:
        raise
    except Exception as err:  # noqa: BLE001 - libsndfile raises several types
        raise AudioError(path, f"not a readable audio file ({_short(err)})") from None
    return (data[:, 0] if data.shape[1] == 1 else data), sr


# libsndfile reads a WAV/AIFF whose data chunk was cut short (an interrupted
# copy or download) without complaint, returning only the samples present; its
# header log says "data : DECLARED (should be ACTUAL)". Such a file would pair a
# fragment of audio with the whole transcript, so it is refused as truncated.
_CHUNK_SIZE = re.compile(r"^\s*(?:data|SSND)\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)
_STREAMING_SIZE = 0x7FFFF000  # writers that stream to a pipe put 0x7FFFFFFF/0xFFFFFFFF here


def _check_not_truncated(path: Path, header_log: str) -> None:
    m = _CHUNK_SIZE.search(header_log or "")
    if not m:
        return
    declared, present = int(m.group(1)), int(m.group(2))
    if declared < _STREAMING_SIZE and declared - present > max(64, declared // 100):
        raise AudioError(path, f"truncated: the header declares {declared} bytes of audio, the file holds {present}")


@lru_cache(maxsize=1)
def supported_extensions() -> tuple[str, ...]:
    exts = {f".{k.lower()}" for k in sf.available_formats()}
    exts |= {".wav", ".flac", ".ogg", ".mp3", ".sph", ".opus"}
    return tuple(sorted(exts))


def _short(err: Exception) -> str:
    msg = str(err).strip().splitlines()
    return msg[-1] if msg else type(err).__name__
