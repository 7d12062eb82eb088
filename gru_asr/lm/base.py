"""Language-model builders are registered components too (kind ``lm``), so a
plugin can add, say, a neural LM exporter next to the built-in n-gram builder.
A builder turns normalized sentences into a file the decoders load (ARPA here)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Iterable

from gru_asr.registry import create_registry


class LanguageModelBuilder(ABC):
    @abstractmethod
    def build(self, sentences: Iterable[str], path: str | Path) -> Path:
        """Write the model for ``sentences`` to ``path`` and return it."""


LMS = create_registry("lm", LanguageModelBuilder)


@LMS.register("ngram")
class NgramBuilder(LanguageModelBuilder):
    """Modified Kneser-Ney n-gram LM in ARPA format, optionally pruned (KenLM's lmplz when on PATH)."""

    def __init__(self, order: int = 3, use_lmplz: bool = True, prune: str | list[int] | None = None,
                 vocab_size: int | None = None):
        self.order = order
        self.use_lmplz = use_lmplz
        self.prune = prune  # count thresholds per order, as lmplz --prune ("0,0,1,1")
        self.vocab_size = vocab_size  # keep the N most frequent words; the rest become <unk>

    def build(self, sentences: Iterable[str], path: str | Path) -> Path:
        from gru_asr.lm.ngram import build_arpa

        return build_arpa(sentences, path, order=self.order, use_lmplz=self.use_lmplz, prune=self.prune,
                          vocab_size=self.vocab_size)
