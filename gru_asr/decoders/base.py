"""Decoders turn CTC log-probabilities into hypotheses with word timings."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass

import torch

# Word timings are computed in the torch-free core, which the ONNX runtime shares.
from gru_asr.inference.core import WordTiming, words_from_alignment
from gru_asr.registry import create_registry
from gru_asr.tokenizers.base import Tokenizer


class Hypothesis:
    """One transcript: text, score, tokens and word timings.

    Word timings are built from the token alignment (the frame and probability of
    each emitted token) the first time ``words`` is read. Evaluation, LM tuning and
    most batch decoding never read them, and building them eagerly was half of
    ``beam_lm``'s time per utterance with the LM search included.
    """

    __slots__ = ("text", "score", "tokens", "_words", "_alignment")

    def __init__(
        self,
        text: str,
        score: float,
        tokens: list[int] | None = None,
        words: list[WordTiming] | None = None,
        alignment: TokenAlignment | None = None,
    ):
        self.text = text
        self.score = score  # log-probability (decoder-specific scale)
        self.tokens = tokens if tokens is not None else []
        self._words = words
        self._alignment = alignment if words is None else None

    @property
    def words(self) -> list[WordTiming]:
        if self._words is None:
            self._words = self._alignment.words(self.tokens) if self._alignment is not None else []
            self._alignment = None
        return self._words

    @words.setter
    def words(self, words: list[WordTiming]) -> None:
        self._words, self._alignment = words, None

    def to_dict(self) -> dict:
        return {"text": self.text, "score": self.score, "tokens": list(self.tokens), "words": [asdict(w) for w in self.words]}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Hypothesis):
            return NotImplemented
        return (self.text, self.score, self.tokens, self.words) == (other.text, other.score, other.tokens, other.words)

    def __repr__(self) -> str:
        return f"Hypothesis(text={self.text!r}, score={self.score!r}, tokens={self.tokens!r})"


@dataclass
class TokenAlignment:
    """Where each emitted token was emitted: what word timings are built from."""

    tokenizer: Tokenizer
    frames: list[int]  # frame of each token
    probs: list[float]  # its probability there
    frame_shift: float  # seconds per frame

    def words(self, tokens: list[int]) -> list[WordTiming]:
        return words_from_alignment(self.tokenizer, tokens, self.frames, self.probs, self.frame_shift)


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
