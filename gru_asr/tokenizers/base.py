"""Tokenizers map normalized text to CTC label ids and back. Id 0 is the CTC blank."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from gru_asr.registry import create_registry

BLANK_ID = 0


class Tokenizer(ABC):
    """Base class for tokenizers. ``vocab_size`` counts the blank at id 0."""

    blank_id: int = BLANK_ID

    @property
    @abstractmethod
    def vocab_size(self) -> int: ...

    @abstractmethod
    def encode(self, text: str) -> list[int]:
        """Ids for ``text``; raises ``ValueError`` naming characters it cannot encode."""

    @abstractmethod
    def decode(self, ids: list[int]) -> str:
        """Text for a label sequence (already collapsed, no blanks)."""

    @abstractmethod
    def to_config(self) -> dict[str, Any]:
        """JSON-serializable arguments that rebuild this tokenizer exactly."""

    def unknown_chars(self, text: str) -> set[str]:
        """Characters of ``text`` that this tokenizer cannot represent."""
        return set()

    def word_boundary(self, token_id: int) -> bool:
        """True if this token starts a new word (used for word timestamps)."""
        return False

    def is_space(self, token_id: int) -> bool:
        return False

    def token_string(self, token_id: int) -> str:
        """The printable form of one token (for lexicons and beam decoders)."""
        return self.decode([token_id])


TOKENIZERS = create_registry("tokenizer", Tokenizer)


def build_tokenizer(config: dict) -> Tokenizer:
    config = dict(config)
    return TOKENIZERS.build(config.pop("name"), **config)
