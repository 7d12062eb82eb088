"""SentencePiece (BPE or unigram) tokenizer; the model travels inside the config."""

from __future__ import annotations

import base64
import io
from typing import Any, Iterable

from gru_asr.tokenizers.base import TOKENIZERS, Tokenizer

WORD_START = "\u2581"  # SentencePiece's word-boundary marker


@TOKENIZERS.register("sentencepiece")
class SentencePieceTokenizer(Tokenizer):
    """SentencePiece subwords; id = piece id + 1 (0 is the CTC blank)."""

    def __init__(self, model: str):
        import sentencepiece as spm

        self.model_b64 = model
        self.sp = spm.SentencePieceProcessor(model_proto=base64.b64decode(model))
        self._pieces = [self.sp.id_to_piece(i) for i in range(self.sp.get_piece_size())]
        self._chars = {c for p in self._pieces for c in p if c != WORD_START}

    @classmethod
    def train(cls, sentences: Iterable[str], vocab_size: int = 256, model_type: str = "unigram",
              character_coverage: float = 1.0) -> "SentencePieceTokenizer":
        import sentencepiece as spm

        buf = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter([s for s in sentences if s.strip()]),
            model_writer=buf,
            vocab_size=vocab_size,
            model_type=model_type,
            character_coverage=character_coverage,
            bos_id=-1,
            eos_id=-1,
            unk_id=0,
            hard_vocab_limit=False,
            minloglevel=2,
        )
        return cls(base64.b64encode(buf.getvalue()).decode("ascii"))

    @property
    def vocab_size(self) -> int:
        return self.sp.get_piece_size() + 1

    def encode(self, text: str) -> list[int]:
        bad = self.unknown_chars(text)
        if bad:
            raise ValueError(f"characters not in the tokenizer: {''.join(sorted(bad))!r}")
        return [i + 1 for i in self.sp.encode(text)]

    def decode(self, ids: list[int]) -> str:
        return self.sp.decode([i - 1 for i in ids if 0 < i < self.vocab_size]).strip()

    def unknown_chars(self, text: str) -> set[str]:
        return {c for c in text if c != " " and c not in self._chars}

    def word_boundary(self, token_id: int) -> bool:
        return 0 < token_id < self.vocab_size and self._pieces[token_id - 1].startswith(WORD_START)

    def token_string(self, token_id: int) -> str:
        return self._pieces[token_id - 1]

    def to_config(self) -> dict[str, Any]:
        return {"name": "sentencepiece", "model": self.model_b64}
