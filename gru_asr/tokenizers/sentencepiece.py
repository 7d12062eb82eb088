"""SentencePiece (BPE or unigram) tokenizer.

A training config names the SentencePiece model file (``model_file``, as ``gru-asr
tokenizer train`` writes it: a small YAML beside a ``.model`` file); what gets stored in
checkpoints and model packages is the model itself, base64 in ``model``
(:meth:`SentencePieceTokenizer.to_config`), so a package needs no other file. Configs
with the model inline (``model: <base64>``, the older YAML form) load as before.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any, Iterable

from gru_asr.tokenizers.base import TOKENIZERS, Tokenizer

WORD_START = "\u2581"  # SentencePiece's word-boundary marker


@TOKENIZERS.register("sentencepiece")
class SentencePieceTokenizer(Tokenizer):
    """SentencePiece subwords; id = piece id + 1 (0 is the CTC blank)."""

    def __init__(self, model: str | None = None, model_file: str | None = None):
        import sentencepiece as spm

        if (model is None) == (model_file is None):
            raise ValueError("sentencepiece tokenizer: give exactly one of model (base64) or model_file (a .model path)")
        if model_file is not None:
            proto = Path(model_file).expanduser().read_bytes()
            model = base64.b64encode(proto).decode("ascii")
        else:
            proto = base64.b64decode(model)
        self.model_b64 = model
        self.sp = spm.SentencePieceProcessor()
        try:
            self.sp.load_from_serialized_proto(proto)
        except RuntimeError as err:
            where = model_file if model_file is not None else "model"
            raise ValueError(f"{where}: not a SentencePiece model") from None
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

    def model_bytes(self) -> bytes:
        """The serialized SentencePiece model (what ``model_file`` holds)."""
        return base64.b64decode(self.model_b64)

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
