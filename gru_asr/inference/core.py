"""The torch-free core of transcription, shared by every runtime (PyTorch, ONNX, streaming).

* :class:`Transcription` and :class:`WordTiming`: what every runtime returns;
* :func:`words_from_alignment`: word timings from the frames that emitted each label;
* :class:`GreedyCTC`: best-path CTC decoding, fed an utterance whole or chunk by chunk;
* :func:`length_sorted_batches`: batches that spend little compute on padding;
* :func:`read_audio`: mono float32 samples at a sample rate, with numpy and soundfile.

This module imports numpy, soundfile and the standard library only, never torch or
another gru_asr module, so that the ONNX runtime runs on a machine without torch.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator, Protocol, Sequence

import numpy as np
import soundfile as sf


@dataclass
class WordTiming:
    word: str
    start: float  # seconds from the start of the audio
    end: float
    confidence: float  # in [0, 1]


@dataclass
class Transcription:
    """One input's result. ``error`` is set when the file could not be read; text is then ""."""

    audio: str  # the path as given
    text: str = ""
    duration: float = 0.0
    words: list[WordTiming] = field(default_factory=list)
    score: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict:
        d = asdict(self)
        if d["error"] is None:
            d.pop("error")
        return d


class Labels(Protocol):
    """What decoding needs to know about the label set: a model's tokenizer
    (:class:`gru_asr.tokenizers.base.Tokenizer`) and an ONNX export's vocabulary both fit."""

    blank_id: int

    def decode(self, ids: list[int]) -> str: ...

    def is_space(self, token_id: int) -> bool: ...

    def word_boundary(self, token_id: int) -> bool: ...


def words_from_alignment(
    labels: Labels,
    tokens: list[int],
    frames: list[int],
    frame_probs: list[float],
    frame_shift: float,
) -> list[WordTiming]:
    """Group emitted tokens into words with times from the CTC frames that emitted them.

    ``frames[i]`` is the frame where token ``i`` was emitted and ``frame_probs[i]``
    its probability there. A word spans from its first token's frame to one frame
    past its last; its confidence is the geometric mean of its tokens' probabilities.
    """
    words: list[WordTiming] = []
    logs = [math.log(p) if p > 1e-10 else -23.03 for p in frame_probs]

    def add(a: int, b: int) -> None:  # tokens[a:b] are one word
        if b > a:
            text = labels.decode(tokens[a:b]).strip()
            if text:
                conf = math.exp(sum(logs[a:b]) / (b - a))
                words.append(WordTiming(text, round(frames[a] * frame_shift, 3), round((frames[b - 1] + 1) * frame_shift, 3), round(conf, 4)))

    first = 0  # index of the current word's first token
    for i, tok in enumerate(tokens):
        if labels.is_space(tok):
            add(first, i)
            first = i + 1
        elif labels.word_boundary(tok):
            add(first, i)
            first = i
    add(first, len(tokens))
    return words


class GreedyCTC:
    """Best-path CTC decoding of one utterance: the most likely label per frame, repeats
    merged, blanks removed. Frames may arrive in chunks; the previous frame's label is
    carried, so a label that spans a chunk boundary is emitted once, as in one pass."""

    def __init__(self, labels: Labels, frame_shift: float):
        self.labels = labels
        self.frame_shift = frame_shift
        self.prev = labels.blank_id
        self.frame = 0  # index of the next log-prob frame
        self.tokens: list[int] = []
        self.token_frames: list[int] = []
        self.token_probs: list[float] = []
        self.score = 0.0

    def accept(self, log_probs: np.ndarray) -> "GreedyCTC":
        """Decode the next frames, ``log_probs`` (t, V) as float32."""
        if len(log_probs) == 0:
            return self
        best = log_probs.argmax(axis=-1)
        best_lp = log_probs[np.arange(len(best)), best]
        previous = np.concatenate(([self.prev], best[:-1]))
        emitted = np.flatnonzero((best != previous) & (best != self.labels.blank_id))
        self.tokens += best[emitted].tolist()
        self.token_frames += (emitted + self.frame).tolist()
        self.token_probs += np.exp(best_lp[emitted]).tolist()
        self.prev = int(best[-1])
        self.frame += len(best)
        self.score += float(best_lp.sum())
        return self

    @property
    def text(self) -> str:
        return self.labels.decode(self.tokens)

    def words(self) -> list[WordTiming]:
        return words_from_alignment(self.labels, self.tokens, self.token_frames, self.token_probs, self.frame_shift)


def length_sorted_batches(lengths: Sequence[int], sample_rate: int, batch_size: int,
                          max_batch_seconds: float) -> Iterator[list[int]]:
    """Indices of ``lengths`` (samples) in batches of at most ``batch_size`` items and
    ``max_batch_seconds`` padded seconds, formed from the length-sorted order so that
    little compute goes into padding."""
    batch: list[int] = []
    for i in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        # Sorted ascending, so the newcomer is the longest in the batch.
        padded = lengths[i] / sample_rate * (len(batch) + 1)
        if batch and (len(batch) >= batch_size or padded > max_batch_seconds):
            yield batch
            batch = []
        batch.append(i)
    if batch:
        yield batch


class AudioReadError(Exception):
    """An input file could not be read as audio; ``reason`` says why."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


def read_audio(path: str | Path, sample_rate: int) -> np.ndarray:
    """Mono float32 samples at ``sample_rate``, as ``gru_asr.audio.load_audio``
    reads them: channels averaged, other rates resampled."""
    p = Path(path)
    if not p.exists():
        raise AudioReadError(p, "file not found")
    if p.is_dir():
        raise AudioReadError(p, "is a directory, not an audio file")
    if p.stat().st_size == 0:
        raise AudioReadError(p, "file is empty (0 bytes)")
    try:
        data, sr = sf.read(str(p), dtype="float32", always_2d=True)
    except Exception as err:  # noqa: BLE001 - libsndfile raises several types
        lines = str(err).strip().splitlines()
        raise AudioReadError(p, f"not a readable audio file ({lines[-1] if lines else type(err).__name__})") from None
    data = data[:, 0] if data.shape[1] == 1 else data.mean(axis=1)
    if data.size == 0:
        raise AudioReadError(p, "contains no audio samples")
    if not np.isfinite(data).all():
        raise AudioReadError(p, "contains NaN or infinite samples")
    return resample(np.ascontiguousarray(data, dtype=np.float32), sr, sample_rate)


def resample(wav: np.ndarray, orig_sr: int, new_sr: int, lowpass_filter_width: int = 6, rolloff: float = 0.99) -> np.ndarray:
    """Band-limited sinc resampling with a Hann-windowed kernel: the algorithm and
    defaults of ``torchaudio.functional.resample``, in numpy."""
    if orig_sr == new_sr:
        return wav
    g = math.gcd(orig_sr, new_sr)
    orig, new = orig_sr // g, new_sr // g
    base = min(orig, new) * rolloff
    width = math.ceil(lowpass_filter_width * orig / base)
    # kernel[j, k]: weight of input sample (n * orig - width + k) for output n * new + j
    idx = np.arange(-width, width + orig, dtype=np.float32)[None, :] / np.float32(orig)
    t = (np.arange(0, -new, -1, dtype=np.float32)[:, None] / np.float32(new) + idx) * np.float32(base)
    t = np.clip(t, -lowpass_filter_width, lowpass_filter_width)
    window = np.cos(t * np.float32(math.pi / lowpass_filter_width / 2)) ** 2
    t = t * np.float32(math.pi)
    with np.errstate(invalid="ignore", divide="ignore"):
        kernel = np.where(t == 0, np.float32(1.0), np.sin(t) / t)
    kernel = (kernel * window * np.float32(base / orig)).astype(np.float32)
    padded = np.pad(wav, (width, width + orig))
    frames = np.lib.stride_tricks.sliding_window_view(padded, kernel.shape[1])[::orig]
    out = (frames @ kernel.T).reshape(-1)
    return np.ascontiguousarray(out[: math.ceil(new * wav.size / orig)], dtype=np.float32)
