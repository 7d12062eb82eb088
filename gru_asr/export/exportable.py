"""The graph that gets exported: waveforms -> front-end -> encoder -> CTC head.

``forward(waveforms (B, S) float32, lengths (B,) int64) -> (log_probs (B, T', V), out_lengths (B,))``

Built from a :class:`~gru_asr.models.CTCModel` in eval mode, without the
augmentations (they only act in training). The encoder and head are the
model's own modules (deep-copied), so the exported graph keeps their masking
and the backward GRU's reversal within each utterance's length. Two parts that
do not export are swapped for equivalents first:

* the STFT front-end becomes :class:`~gru_asr.export.dft_frontend.DFTFrontend`
  (complex tensors do not export);
* :class:`~gru_asr.encoders.rnn.MaskedBatchNorm` gathers valid frames with a
  boolean index, a data-dependent shape. In eval mode batch norm is a fixed
  per-channel affine map, so normalizing every frame and zeroing the padded
  ones gives the same values.
"""

from __future__ import annotations

import copy
import json

import torch
from torch import nn

from gru_asr.encoders.rnn import MaskedBatchNorm
from gru_asr.export.dft_frontend import DFTFrontend
from gru_asr.inference.onnx_runtime import (
    FORMAT_VERSION,
    META_CONFIG,
    META_FORMAT,
    META_FORMAT_VALUE,
    META_FORMAT_VERSION,
    META_FRAME_SHIFT,
    META_SAMPLE_RATE,
    META_VERSION,
    Vocabulary,
)


class EvalMaskedBatchNorm(nn.Module):
    """:class:`MaskedBatchNorm` in eval mode without boolean indexing."""

    def __init__(self, source: MaskedBatchNorm):
        super().__init__()
        self.bn = source.bn

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.bn(x.transpose(1, 2)).transpose(1, 2) * mask.unsqueeze(-1).to(x.dtype)


def _swap_masked_batch_norms(module: nn.Module) -> None:
    for name, child in module.named_children():
        if isinstance(child, MaskedBatchNorm):
            setattr(module, name, EvalMaskedBatchNorm(child))
        else:
            _swap_masked_batch_norms(child)


class ExportableCTC(nn.Module):
    """Front-end + encoder + CTC head of a model, ready for tracing."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.frontend = DFTFrontend(model.frontend)
        self.encoder = copy.deepcopy(model.encoder)
        self.head = copy.deepcopy(model.head)
        _swap_masked_batch_norms(self.encoder)
        self.to("cpu").eval()  # traced on the CPU; the file runs anywhere

    def forward(self, waveforms: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        feats, feat_lengths = self.frontend(waveforms, lengths)
        states, out_lengths = self.encoder(feats, feat_lengths)
        return self.head(states), out_lengths


def vocabulary_of(tokenizer) -> Vocabulary:
    """The tokenizer's labels as the text each contributes to a decoded string.

    A label's text is its own decoding, after a space if it begins a word
    (SentencePiece's ``▁the``); word separators are a space. Joining the texts
    of a label sequence and stripping the ends then decodes it as the tokenizer
    does, without the tokenizer (the ONNX runtime path has no sentencepiece).
    """
    tokens = [""]
    for i in range(1, tokenizer.vocab_size):
        if tokenizer.is_space(i):
            tokens.append(" ")
        else:
            text = tokenizer.decode([i])
            tokens.append(" " + text if tokenizer.word_boundary(i) else text)
    ids = range(1, tokenizer.vocab_size)
    return Vocabulary(
        tokens=tokens,
        space_ids=frozenset(i for i in ids if tokenizer.is_space(i)),
        word_start_ids=frozenset(i for i in ids if tokenizer.word_boundary(i)),
        blank_id=tokenizer.blank_id,
    )


def export_metadata(model) -> dict[str, str]:
    """String key/values stored with an export: all the ONNX runtime path needs to
    turn log-probs into text (see :mod:`gru_asr.inference.onnx_runtime`), plus provenance."""
    from gru_asr.version import __version__

    return {
        META_FORMAT: META_FORMAT_VALUE,
        META_FORMAT_VERSION: str(FORMAT_VERSION),
        META_SAMPLE_RATE: str(model.sample_rate),
        META_FRAME_SHIFT: repr(float(model.frame_shift)),
        **vocabulary_of(model.tokenizer).to_metadata(),
        META_CONFIG: json.dumps(model.config, sort_keys=True),
        META_VERSION: __version__,
    }
