"""Reading audio: any format libsndfile decodes (wav, flac, ogg, mp3, NIST SPHERE).

Everything that goes wrong while reading becomes one :class:`AudioError` that
names the file, so callers can skip a bad utterance and report it by name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import soundfile as sf
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
) -> torch.Tensor:
    """Return mono float32 samples in [-1, 1] at ``sample_rate`` as a 1-D tensor.

    ``offset``/``duration`` (seconds) read a segment without decoding the rest of
    the file where the format allows seeking. Multi-channel audio is averaged to
    mono and other sample rates are resampled, never rejected.
    """
    path = _check_path(path)
    data, sr = _read(path, offset, duration)
    if data.ndim == 2:
        data = data.mean(axis=1)
    if data.size == 0:
        raise AudioError(path, "contains no audio samples")
    if not np.isfinite(data).all():
        raise AudioError(path, "contains NaN or infinite samples")
    wav = torch.from_numpy(np.ascontiguousarray(data, dtype=np.float32))
    if sr != sample_rate:
        wav = resample(wav, sr, sample_rate)
    return wav


def resample(wav: torch.Tensor, orig_sr: int, new_sr: int) -> torch.Tensor:
    if orig_sr == new_sr:
        return wav
    import torchaudio.functional as AF

    g = math.gcd(orig_sr, new_sr)
    return AF.resample(wav, orig_sr // g, new_sr // g)


def _check_path(path: str | Path) -> Path:
    p = Path(path)
    if not p.exists():
        raise AudioError(p, "file not found")
    if p.is_dir():
        raise AudioError(p, "is a directory, not an audio file")
    if p.stat().st_size == 0:
        raise AudioError(p, "file is empty (0 bytes)")
    return p


def _read(path: Path, offset: float, duration: float | None) -> tuple[np.ndarray, int]:
    try:
        with sf.SoundFile(str(path)) as f:
            sr = f.samplerate
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


@lru_cache(maxsize=1)
def supported_extensions() -> tuple[str, ...]:
    exts = {f".{k.lower()}" for k in sf.available_formats()}
    exts |= {".wav", ".flac", ".ogg", ".mp3", ".sph", ".opus"}
    return tuple(sorted(exts))


def _short(err: Exception) -> str:
    msg = str(err).strip().splitlines()
    return msg[-1] if msg else type(err).__name__
