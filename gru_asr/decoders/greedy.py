"""Greedy (best path) CTC decoding."""

from __future__ import annotations

import torch

from gru_asr.decoders.base import DECODERS, Decoder, Hypothesis, words_from_alignment


@DECODERS.register("greedy")
class GreedyDecoder(Decoder):
    """Most likely label per frame, repeats merged, blanks removed."""

    def decode(self, log_probs: torch.Tensor, lengths: torch.Tensor) -> list[list[Hypothesis]]:
        best_lp, best = log_probs.float().max(dim=-1)
        results = []
        for b in range(log_probs.size(0)):
            T = int(lengths[b])
            path = best[b, :T].tolist()
            lps = best_lp[b, :T]
            tokens, frames, probs = [], [], []
            prev = self.tokenizer.blank_id
            for t, tok in enumerate(path):
                if tok != prev and tok != self.tokenizer.blank_id:
                    tokens.append(tok)
                    frames.append(t)
                    probs.append(float(lps[t].exp()))
                prev = tok
            hyp = Hypothesis(
                text=self.tokenizer.decode(tokens),
                score=float(lps.sum()),
                tokens=tokens,
                words=words_from_alignment(self.tokenizer, tokens, frames, probs, self.frame_shift),
            )
            results.append([hyp])
        return results
