"""The torch-free core of transcription, shared by every runtime (PyTorch, ONNX, streaming).

* :class:`Transcription` and :class:`WordTiming`: what every runtime returns;
* :func:`words_from_alignment`: word timings from the frames that emitted each label;
* :class:`GreedyCTC`: best-path CTC decoding, fed an utterance whole or chunk by chunk;
* :func:`length_sorted_batches`: batches that spend little compute on padding.

Audio is read by :func:`gru_asr.audio.read_audio`, which is torch-free too. This module
imports numpy and the standard library only, never torch or another gru_asr module,
so that the ONNX runtime runs on a machine without torch.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Iterator, Protocol, Sequence

import numpy as np


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
