"""Made-up CTC emissions for decoder tests (shared by the decoder and word-LM tests)."""

from __future__ import annotations

import math

import torch

from gru_asr.tokenizers.char import CharTokenizer

TOK = CharTokenizer()


def emissions_for(text: str, *, peak: float = 0.9, frames_per_char: int = 3, tokenizer=TOK) -> torch.Tensor:
    """Peaked log-probs (T, V) spelling ``text``: each character for ``frames_per_char``
    frames with probability ``peak``, then a blank frame."""
    rows = []
    for i in tokenizer.encode(text):
        rows += [i] * frames_per_char + [0]
    lp = torch.full((len(rows), tokenizer.vocab_size), math.log((1 - peak) / (tokenizer.vocab_size - 1)))
    for t, i in enumerate(rows):
        lp[t, i] = math.log(peak)
    return lp
