"""Decoders turn CTC log-probabilities into hypotheses with word timings."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass, field

import torch

from gru_asr.registry import create_registry
from gru_asr.tokenizers.base import Tokenizer


@dataclass
class WordTiming:
    word: str
    start: float  # seconds from the start of the audio
    end: float
    confidence: float  # in [0, 1]


@dataclass
class Hypothesis:
    text: str
    score: float  # log-probability (decoder-specific scale)
    tokens: list[int] = field(default_factory=list)
    words: list[WordTiming] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


class Decoder(ABC):
    """``decode(log_probs (B, T, V), lengths (B,)) -> n-best lists, best first``."""

    def __init__(self, tokenizer: Tokenizer, frame_shift: float):
        self.tokenizer = tokenizer
        self.frame_shift = frame_shift  # seconds per log-prob frame

    @abstractmethod
    def decode(self, log_probs: torch.Tensor, lengths: torch.Tensor) -> list[list[Hypothesis]]: ...


DECODERS = create_registry("decoder", Decoder)


def build_decoder(config: dict | str, tokenizer: Tokenizer, frame_shift: float) -> Decoder:
    config = {"name": config} if isinstance(config, str) else dict(config)
    return DECODERS.build(config.pop("name"), tokenizer=tokenizer, frame_shift=frame_shift, **config)


def words_from_alignment(
    tokenizer: Tokenizer,
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
            text = tokenizer.decode(tokens[a:b]).strip()
            if text:
                conf = math.exp(sum(logs[a:b]) / (b - a))
                words.append(WordTiming(text, round(frames[a] * frame_shift, 3), round((frames[b - 1] + 1) * frame_shift, 3), round(conf, 4)))

    first = 0  # index of the current word's first token
    for i, tok in enumerate(tokens):
        if tokenizer.is_space(tok):
            add(first, i)
            first = i + 1
        elif tokenizer.word_boundary(tok):
            add(first, i)
            first = i
    add(first, len(tokens))
    return words
