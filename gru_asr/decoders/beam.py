"""Beam search decoders on flashlight-text through ``torchaudio.models.decoder.ctc_decoder``.

``beam``: CTC prefix beam search without a language model.
``beam_lm``: the same fused with a KenLM n-gram model (ARPA or binary), either
lexicon-constrained (words from a lexicon file) or lexicon-free.

flashlight decodes one utterance at a time in one thread; batches are spread
over worker processes when ``num_workers`` > 1.
"""

from __future__ import annotations

import math
import multiprocessing as mp
import os
from pathlib import Path

import torch

from gru_asr.decoders.base import DECODERS, Decoder, Hypothesis, words_from_alignment

BLANK, SIL = "<blk>", "|"


def decoder_tokens(tokenizer) -> list[str]:
    """Token strings by id as flashlight sees them: blank first, space as ``|``."""
    out = [BLANK]
    for i in range(1, tokenizer.vocab_size):
        out.append(SIL if tokenizer.is_space(i) else tokenizer.token_string(i))
    if SIL not in out:
        out.append(SIL)  # flashlight needs a silence token even if never emitted
    return out


class _FlashlightDecoder(Decoder):
    def __init__(
        self,
        tokenizer,
        frame_shift: float,
        lm: str | None = None,
        lexicon: str | None = None,
        lm_weight: float = 0.0,
        word_score: float = 0.0,
        unk_score: float = float("-inf"),
        beam_size: int = 50,
        beam_size_token: int | None = None,
        beam_threshold: float = 25.0,
        nbest: int = 1,
        num_workers: int | None = None,
    ):
        super().__init__(tokenizer, frame_shift)
        for name, path in (("lm", lm), ("lexicon", lexicon)):
            if path is not None and not Path(path).is_file():
                raise FileNotFoundError(f"{name} file not found: {path}")
        self.options = dict(
            lexicon=str(lexicon) if lexicon else None,
            tokens=decoder_tokens(tokenizer),
            lm=str(lm) if lm else None,
            nbest=nbest,
            beam_size=beam_size,
            beam_size_token=beam_size_token,
            beam_threshold=beam_threshold,
            lm_weight=lm_weight,
            word_score=word_score,
            unk_score=unk_score,
            blank_token=BLANK,
            sil_token=SIL,
            # Sum the probabilities of paths that merge into one prefix (true
            # CTC prefix beam search) instead of keeping only the best path.
            log_add=True,
        )
        # flashlight decodes one utterance at a time in one thread: spread a
        # batch over processes, by default one per core.
        self.num_workers = max(1, int(num_workers if num_workers is not None else min(os.cpu_count() or 1, 8)))
        self._decoder = None
        self._pool = None

    def _get(self):
        if self._decoder is None:
            from torchaudio.models.decoder import ctc_decoder

            self._decoder = ctc_decoder(**self.options)
        return self._decoder

    def decode(self, log_probs: torch.Tensor, lengths: torch.Tensor) -> list[list[Hypothesis]]:
        log_probs = log_probs.float().cpu().contiguous()
        lengths = lengths.cpu()
        items = [(log_probs[b, : int(lengths[b])].clone(), ) for b in range(log_probs.size(0))]
        if self.num_workers > 1 and len(items) > 1:
            if self._pool is None:
                self._pool = mp.get_context("fork").Pool(self.num_workers, initializer=_init_worker, initargs=(self,))
            return self._pool.map(_decode_in_worker, [x[0] for x in items])
        return [self.decode_one(x[0]) for x in items]

    def decode_one(self, emissions: torch.Tensor) -> list[Hypothesis]:
        """n-best for one utterance's (T, V) log-probs."""
        T = emissions.size(0)
        if T == 0:
            return [Hypothesis(text="", score=0.0)]
        dec = self._get()
        extra = len(self.options["tokens"]) - emissions.size(1)
        if extra > 0:  # the silence token flashlight needs but the model never emits
            emissions = torch.cat([emissions, emissions.new_full((T, extra), -1e4)], dim=1)
        hyps = dec(emissions.unsqueeze(0), torch.tensor([T], dtype=torch.int32))[0]
        out = []
        for h in hyps:
            ids = [int(t) for t in h.tokens]
            steps = [int(s) for s in h.timesteps]
            pairs = [(i, s) for i, s in zip(ids, steps) if i != 0 and i < self.tokenizer.vocab_size]
            tokens = [i for i, _ in pairs]
            frames = [min(s, T - 1) for _, s in pairs]
            probs = [math.exp(float(emissions[f, i])) for i, f in zip(tokens, frames)]
            text = " ".join(h.words) if h.words else self.tokenizer.decode(tokens)
            words = words_from_alignment(self.tokenizer, tokens, frames, probs, self.frame_shift)
            out.append(Hypothesis(text=" ".join(text.split()), score=float(h.score), tokens=tokens, words=words))
        return out or [Hypothesis(text="", score=float("-inf"))]

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_decoder"] = None  # rebuilt in each worker
        state["_pool"] = None
        return state

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool = None


_WORKER_DECODER: _FlashlightDecoder | None = None


def _init_worker(decoder: _FlashlightDecoder) -> None:
    global _WORKER_DECODER
    torch.set_num_threads(1)
    _WORKER_DECODER = decoder


def _decode_in_worker(emissions: torch.Tensor) -> list[Hypothesis]:
    assert _WORKER_DECODER is not None
    return _WORKER_DECODER.decode_one(emissions)


@DECODERS.register("beam")
class BeamDecoder(_FlashlightDecoder):
    """CTC prefix beam search without a language model."""

    def __init__(self, tokenizer, frame_shift: float, beam_size: int = 20, beam_size_token: int | None = None,
                 beam_threshold: float = 25.0, nbest: int = 1, num_workers: int | None = None):
        super().__init__(tokenizer, frame_shift, beam_size=beam_size, beam_size_token=beam_size_token,
                         beam_threshold=beam_threshold, nbest=nbest, num_workers=num_workers)


@DECODERS.register("beam_lm")
class KenLMBeamDecoder(_FlashlightDecoder):
    """CTC beam search fused with a KenLM n-gram LM; lexicon-constrained if a lexicon is given."""

    def __init__(
        self,
        tokenizer,
        frame_shift: float,
        lm: str | None = None,
        lexicon: str | None = None,
        lm_weight: float = 0.5,
        word_score: float = 0.0,
        unk_score: float = float("-inf"),
        beam_size: int = 50,
        beam_size_token: int | None = None,
        beam_threshold: float = 25.0,
        nbest: int = 1,
        num_workers: int | None = None,
    ):
        if lm is None:
            raise ValueError("beam_lm needs an lm (ARPA or KenLM binary file); use 'beam' to decode without one")
        super().__init__(tokenizer, frame_shift, lm=lm, lexicon=lexicon, lm_weight=lm_weight, word_score=word_score,
                         unk_score=unk_score, beam_size=beam_size, beam_size_token=beam_size_token,
                         beam_threshold=beam_threshold, nbest=nbest, num_workers=num_workers)
