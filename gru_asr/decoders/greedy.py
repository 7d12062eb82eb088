"""Greedy (best path) CTC decoding: the torch-free core's :class:`GreedyCTC`, which the
ONNX and streaming runtimes use too, behind the :class:`Decoder` interface."""

from __future__ import annotations

import torch

from gru_asr.decoders.base import DECODERS, Decoder, Hypothesis, TokenAlignment
from gru_asr.inference.core import GreedyCTC


@DECODERS.register("greedy")
class GreedyDecoder(Decoder):
    """Most likely label per frame, repeats merged, blanks removed."""

    def decode(self, log_probs: torch.Tensor, lengths: torch.Tensor) -> list[list[Hypothesis]]:
        frames = log_probs.detach().float().cpu().numpy()
        results = []
        for b, length in enumerate(lengths.tolist()):
            best = GreedyCTC(self.tokenizer, self.frame_shift).accept(frames[b, : int(length)])
            alignment = TokenAlignment(self.tokenizer, best.token_frames, best.token_probs, self.frame_shift)
            results.append([Hypothesis(text=best.text, score=best.score, tokens=best.tokens, alignment=alignment)])
        return results
