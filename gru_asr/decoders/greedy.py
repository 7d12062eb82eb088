"""Greedy (best path) CTC decoding."""

from __future__ import annotations

import torch

from gru_asr.decoders.base import DECODERS, Decoder, Hypothesis, TokenAlignment


@DECODERS.register("greedy")
class GreedyDecoder(Decoder):
    """Most likely label per frame, repeats merged, blanks removed."""

    def decode(self, log_probs: torch.Tensor, lengths: torch.Tensor) -> list[list[Hypothesis]]:
        best_lp, best = log_probs.float().max(dim=-1)
        blank = self.tokenizer.blank_id
        results = []
        for b in range(log_probs.size(0)):
            T = int(lengths[b])
            path, lps = best[b, :T], best_lp[b, :T]
            # A token is emitted where the best label changes to a non-blank one.
            previous = torch.cat([path.new_full((1,), blank), path[:-1]])
            emitted = torch.nonzero((path != previous) & (path != blank)).flatten()
            tokens = path[emitted].tolist()
            alignment = TokenAlignment(self.tokenizer, emitted.tolist(), lps[emitted].exp().tolist(), self.frame_shift)
            hyp = Hypothesis(text=self.tokenizer.decode(tokens), score=float(lps.sum()), tokens=tokens, alignment=alignment)
            results.append([hyp])
        return results
