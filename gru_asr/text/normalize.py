"""Transcript normalization, applied identically to training targets and to
references at evaluation so that WER measures recognition, not formatting.

The settings are part of the model config and travel inside the model package.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass

from gru_asr.text.numbers import spell_digits

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_SPACES = re.compile(r"\s+")


@dataclass
class TextNormalizer:
    """Lowercase, fold accents, drop punctuation and collapse whitespace.

    ``digits``: ``"keep"`` leaves digits as they are (the tokenizer decides),
    ``"drop"`` removes them, ``"spell"`` writes numbers out as English words
    (:func:`gru_asr.text.numbers.spell_digits`).
    ``keep`` lists the characters besides letters, digits and space to keep.
    """

    lowercase: bool = True
    strip_accents: bool = True
    remove_punctuation: bool = True
    digits: str = "spell"
    keep: str = "'"

    def __post_init__(self) -> None:
        if self.digits not in ("keep", "drop", "spell"):
            raise ValueError(f"digits must be keep, drop or spell, not {self.digits!r}")

    def __call__(self, text: str) -> str:
        text = unicodedata.normalize("NFKC", str(text)).translate(_APOSTROPHES)
        if self.lowercase:
            text = text.lower()
        if self.strip_accents:
            text = "".join(
                c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
            )
        if self.digits == "spell":
            text = re.sub(r"\d+", lambda m: f" {spell_digits(m.group())} ", text)
        elif self.digits == "drop":
            text = re.sub(r"\d+", " ", text)
        if self.remove_punctuation:
            text = "".join(
                c if (c.isalnum() or c.isspace() or c in self.keep) else " " for c in text
            )
            # An apostrophe is kept only inside a word ("don't"), not as a quote.
            if "'" in self.keep:
                text = re.sub(r"(?<![\w])'|'(?![\w])", " ", text)
        return _SPACES.sub(" ", text).strip()

    def to_config(self) -> dict:
        return asdict(self)

