"""Character tokenizer: one label per letter, apostrophe and space."""

from __future__ import annotations

import string
from typing import Any

from gru_asr.tokenizers.base import TOKENIZERS, Tokenizer

DEFAULT_SYMBOLS = [" ", "'"] + list(string.ascii_lowercase)


@TOKENIZERS.register("char")
class CharTokenizer(Tokenizer):
    """Characters: letters, apostrophe and space (id 0 is the CTC blank)."""

    def __init__(self, symbols: list[str] | None = None):
        symbols = list(symbols) if symbols is not None else list(DEFAULT_SYMBOLS)
        if len(set(symbols)) != len(symbols) or any(len(s) != 1 for s in symbols):
            raise ValueError("char tokenizer symbols must be distinct single characters")
        self.symbols = symbols
        self._ids = {s: i + 1 for i, s in enumerate(symbols)}
        self.space_id = self._ids.get(" ", -1)

    @property
    def vocab_size(self) -> int:
        return len(self.symbols) + 1

    def encode(self, text: str) -> list[int]:
        bad = self.unknown_chars(text)
        if bad:
            raise ValueError(f"characters not in the tokenizer: {''.join(sorted(bad))!r}")
        return [self._ids[c] for c in text]

    def decode(self, ids: list[int]) -> str:
        return "".join(self.symbols[i - 1] for i in ids if 0 < i <= len(self.symbols)).strip()

    def unknown_chars(self, text: str) -> set[str]:
        return {c for c in text if c not in self._ids}

    def is_space(self, token_id: int) -> bool:
        return token_id == self.space_id

    def to_config(self) -> dict[str, Any]:
        return {"name": "char", "symbols": list(self.symbols)}
