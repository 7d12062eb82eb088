"""Beam search decoders on flashlight-text's public Python API (flashlight_search.py).

``beam``: CTC prefix beam search without a language model.
``beam_lm``: the same fused with a word n-gram (KenLM, ARPA or binary), either
lexicon-constrained (words from a lexicon file) or lexicon-free (open vocabulary:
the search runs over tokens and the n-gram scores each word as it ends, word_lm.py;
this needs the ARPA file).

flashlight decodes one utterance at a time in one thread; batches are spread
over worker processes when ``num_workers`` > 1.

Pruning defaults favour accuracy: hypotheses more than 25 (natural log) below the
best are dropped (``beam_threshold``) and every token is tried (``beam_size_token``
None). pyctcdecode-like pruning (threshold 10, 5 tokens) is 6.9x faster on AN4 for
a third of a point of WER, but on the demo's less certain emissions and large
lexicon it cost 3 points (docs/decoding.md). Lexicon-free beam_lm defaults to
pyctcdecode's pruning (beam 32, threshold 10, tokens below log-prob -5 not tried) with
at most 3 tokens a frame and blank runs collapsed: every token tried there is a call
into the Python word LM (issue #24).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import torch

import gru_asr.decoders.flashlight_search as flashlight_search
from gru_asr.decoders.base import DECODERS, Decoder, Hypothesis, TokenAlignment
from gru_asr.decoders.flashlight_search import LoadedLM, SearchSettings, build_search
from gru_asr.decoders.worker_pool import WorkerPool

BLANK, SIL = "<blk>", "|"


def has_space_token(tokenizer) -> bool:
    """Whether words are separated by a token of their own (characters), rather than
    marked inside the pieces (SentencePiece's ``▁``)."""
    return any(tokenizer.is_space(i) for i in range(1, tokenizer.vocab_size))


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
        unk_score: float | None = None,
        beam_size: int = 50,
        beam_size_token: int | None = None,
        beam_threshold: float = 25.0,
        nbest: int = 1,
        num_workers: int | None = None,
        blank_skip: float | None = None,
        token_min_logp: float | None = None,
        prior: str | None = None,
        prior_scale: float = 0.0,
    ):
        super().__init__(tokenizer, frame_shift)
        if blank_skip is not None and not 0.0 < blank_skip < 1.0:
            raise ValueError(f"blank_skip is a probability in (0, 1), not {blank_skip}")
        # Frames where blank has at least this probability carry (almost) no choice
        # for the search: each run of them is decoded as one frame (see collapse_blank_runs).
        self.blank_skip_logp = math.log(blank_skip) if blank_skip is not None else None
        for name, path in (("lm", lm), ("lexicon", lexicon)):
            if path is not None and not Path(path).is_file():
                raise FileNotFoundError(f"{name} file not found: {path}")
        if lm is not None and lexicon is None:
            from gru_asr.lm.arpa_text import require_arpa

            require_arpa(lm)  # now, not in the first batch's workers
        if unk_score is None:
            # With a lexicon, words outside it are never output (flashlight's default);
            # without one, an unknown word pays the LM's <unk> probability and 10 more
            # orders of magnitude at the LM's weight (pyctcdecode's default offset).
            unk_score = float("-inf") if lexicon else -10.0 * lm_weight
        self.lm = str(lm) if lm else None
        self.lexicon = str(lexicon) if lexicon else None
        if token_min_logp is not None and (lm is None or lexicon is not None):
            raise ValueError("token_min_logp prunes the tokens of lexicon-free beam_lm (lexicon: null) only; "
                             "use beam_size_token here")
        # Lexicon-free: a token whose log-prob in a frame is below this is not tried there
        # (the frame's most likely token always is), as pyctcdecode's token_min_logp.
        self.token_min_logp = token_min_logp
        self.tokens = decoder_tokens(tokenizer)
        self.nbest = nbest
        # Label prior correction (label_prior.py): emissions - prior_scale * log prior.
        if prior_scale and prior is None:
            raise ValueError("prior_scale needs a prior file (prior: PATH, from `gru-asr lm prior`)")
        if prior is not None and not Path(prior).is_file():
            raise FileNotFoundError(f"prior file not found: {prior}")
        self.prior = str(prior) if prior else None
        self.prior_scale = float(prior_scale)
        self._prior_shift = None
        if prior is not None and self.prior_scale:
            from gru_asr.decoders.label_prior import read_prior

            self._prior_shift = self.prior_scale * read_prior(prior, self.tokens)
        self.settings = SearchSettings(beam_size=beam_size, beam_size_token=beam_size_token, beam_threshold=beam_threshold,
                                       lm_weight=lm_weight, word_score=word_score, unk_score=unk_score)
        self.close_last_word = lexicon is not None and has_space_token(tokenizer)
        self._sil_index = self.tokens.index(SIL)
        # flashlight decodes one utterance at a time in one thread: spread a
        # batch over processes, by default one per core.
        self.num_workers = max(1, int(num_workers if num_workers is not None else min(os.cpu_count() or 1, 8)))
        self._decoder = None
        self._loaded: LoadedLM | None = None  # the LM (and lexicon), loaded on first use or shared
        self._pool: WorkerPool | None = None  # started on the first batch that needs it

    def _get(self):
        if self._decoder is None:
            self._decoder = build_search(self.tokens, BLANK, SIL, self.settings, loaded=self.loaded_lm(),
                                         word_lm_factory=self._word_lm)
        return self._decoder

    def loaded_lm(self) -> LoadedLM | None:
        """The LM (and lexicon) this decoder searches with, loaded now if not yet; None without an LM."""
        if self._loaded is None and self.lm is not None:
            self._loaded = flashlight_search.load_lm(self.tokens, SIL, self.lm, self.lexicon)
        return self._loaded

    def share_loaded_lm(self, loaded: LoadedLM) -> None:
        """Search with an LM another decoder over the same files and tokens has loaded
        (``loaded_lm()``), rather than loading it again: decoders that differ only in
        weights or pruning (``gru-asr tune-lm``'s grid) load it once. Before the first
        decode: worker processes forked afterwards inherit it."""
        if not loaded.serves(self.lm, self.lexicon, self.tokens):
            raise ValueError(f"the loaded LM is {loaded.lm} with lexicon {loaded.lexicon} over other tokens, "
                             f"not {self.lm} with lexicon {self.lexicon}")
        self._loaded = loaded
        self._decoder = None

    def _word_lm(self, vocabulary):
        from gru_asr.decoders.word_lm import word_lm

        s = self.settings
        return word_lm(vocabulary, self.tokens, self.tokenizer, s.lm_weight, s.word_score, s.unk_score)

    def decode(self, log_probs: torch.Tensor, lengths: torch.Tensor) -> list[list[Hypothesis]]:
        log_probs = log_probs.float().cpu().contiguous()
        lengths = lengths.cpu().tolist()
        array = log_probs.numpy()
        items = [array[b, : int(lengths[b])] for b in range(log_probs.size(0))]
        if self.num_workers > 1 and len(items) > 1:
            return self._decode_in_pool(items)
        return [self.decode_one(x) for x in items]

    def _decode_in_pool(self, items: list[np.ndarray]) -> list[list[Hypothesis]]:
        needed = sum(x.shape[0] for x in items) * items[0].shape[1]
        old = self._pool
        if old is None or old.closed or needed > old.capacity:
            # Grown geometrically: each growth starts new workers.
            # A pool closed by an error is replaced at its own size.
            grown = 2 * old.capacity if old is not None and needed > old.capacity else 0
            capacity = max(needed, grown, old.capacity if old is not None else 0, _SHARED_VALUES)
            self.close()
            # The LM is loaded here, before the fork: the workers share its pages and a
            # grown pool loads nothing again.
            self.loaded_lm()
            self._pool = WorkerPool(self._decode_packed, self.num_workers, capacity, init=self._init_worker)
        return [[_unpack(h, self) for h in nbest] for nbest in self._pool.map(items)]

    def _init_worker(self) -> None:
        torch.set_num_threads(1)
        self._get()  # load the LM now, not inside the first batch this worker is given

    def _decode_packed(self, emissions: np.ndarray) -> list[tuple]:
        return [_pack(h) for h in self.decode_one(emissions)]

    def decode_one(self, emissions: torch.Tensor | np.ndarray) -> list[Hypothesis]:
        """n-best for one utterance's (T, V) log-probs."""
        emissions = np.ascontiguousarray(emissions.detach().cpu().numpy() if isinstance(emissions, torch.Tensor) else emissions, dtype=np.float32)
        T, V = emissions.shape
        if T == 0:
            return [Hypothesis(text="", score=0.0)]
        dec = self._get()
        original_frames = None
        if self.blank_skip_logp is not None:
            emissions, original_frames = collapse_blank_runs(emissions, self.blank_skip_logp)
            T = emissions.shape[0]
        if self._prior_shift is not None:  # after the blank skip, which reads the true posteriors
            emissions = emissions - self._prior_shift[:V]
        # One buffer holds what flashlight reads: the model's columns, then the
        # silence token flashlight needs but the model never emits (-1e4), then,
        # with a lexicon, one boundary frame. Lexicon words end with the space token
        # but transcripts do not end with a space: without that frame the last word
        # of every utterance could only be completed by paying for a space the model
        # never emits there.
        width = len(self.tokens)
        rows = T + 1 if self.close_last_word else T
        if width != V or rows != T:
            padded = np.full((rows, width), -1e4, np.float32)
            padded[:T, :V] = emissions
            if self.close_last_word:
                padded[T, self._sil_index] = 0.0
            emissions = padded
        # flashlight directly on the array's memory: torchaudio's wrapper turns every
        # hypothesis into tensors, which costs as much as the search on short inputs.
        if self.token_min_logp is not None:
            allowed = emissions >= self.token_min_logp
            allowed[np.arange(rows), emissions.argmax(1)] = True
            results = dec.decode_pruning_tokens(emissions, allowed)[: self.nbest]
        else:
            results = dec.decode(emissions.ctypes.data, emissions.shape[0], emissions.shape[1])[: self.nbest]
        vocab = self.tokenizer.vocab_size
        out = []
        for r in results:
            # flashlight's path has T + 2 entries: a silence before frame 0 and one
            # after the last frame (and the boundary frame), which are not emissions;
            # frame t is path[t + 1]. A token is emitted in the frame where it starts.
            # Plain Python on these few dozen ints: a dozen numpy calls on arrays this
            # small cost more than the loop.
            path = r.tokens
            tokens, frames, previous = [], [], 0  # 0 is blank
            for t in range(T):
                token = path[t + 1]
                if token != previous and 0 < token < vocab:
                    tokens.append(token)
                    frames.append(t)
                previous = token
            probs = np.exp(emissions[frames, tokens]).tolist() if tokens else []
            if original_frames is not None:
                frames = original_frames[frames].tolist()
            words_ids = [w for w in r.words if w >= 0] if dec.words is not None else None
            text = " ".join(dec.word(w) for w in words_ids) if words_ids else self.tokenizer.decode(tokens)
            alignment = TokenAlignment(self.tokenizer, frames, probs, self.frame_shift)
            out.append(Hypothesis(text=" ".join(text.split()), score=float(r.score), tokens=tokens, alignment=alignment))
        return out or [Hypothesis(text="", score=float("-inf"))]

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_decoder"] = None  # rebuilt in each worker
        state["_loaded"] = None  # flashlight's objects do not pickle: reloaded there
        state["_pool"] = None
        return state

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


def collapse_blank_runs(emissions: np.ndarray, blank_logp: float) -> tuple[np.ndarray, np.ndarray]:
    """Keep one frame of every run of frames whose blank log-prob is at least ``blank_logp``.

    A CTC beam search spends the same work on every frame, but in a frame where
    blank is nearly certain every hypothesis just extends with blank. One frame
    per run is kept, not none: it is the blank that separates a doubled letter
    ("l <blank> l" is "ll"). Returns the kept frames and their original indices
    (for timestamps).
    """
    blank = emissions[:, 0] >= blank_logp
    keep = ~blank
    keep[1:] |= blank[1:] & ~blank[:-1]  # the first frame of each blank run
    keep[0] |= blank[0]
    index = np.flatnonzero(keep)
    return np.ascontiguousarray(emissions[index]), index


_SHARED_VALUES = 16 << 20  # float32 values the first pool's shared memory holds (64 MB); grown when a batch needs more


# Hypotheses travel back from the workers as plain tuples: pickling objects cost
# about 180 us per utterance, as much as decoding one with the LM. The alignment
# travels, not the word timings: the main process builds those if they are read.
def _pack(h: Hypothesis) -> tuple:
    a = h._alignment
    return h.text, h.score, h.tokens, (a.frames, a.probs) if a is not None else None, h._words


def _unpack(packed: tuple, decoder: _FlashlightDecoder) -> Hypothesis:
    text, score, tokens, alignment, words = packed
    if alignment is not None:
        alignment = TokenAlignment(decoder.tokenizer, *alignment, decoder.frame_shift)
    return Hypothesis(text=text, score=score, tokens=tokens, words=words, alignment=alignment)


@DECODERS.register("beam")
class BeamDecoder(_FlashlightDecoder):
    """CTC prefix beam search without a language model."""

    def __init__(self, tokenizer, frame_shift: float, beam_size: int = 20, beam_size_token: int | None = None,
                 beam_threshold: float = 25.0, nbest: int = 1, num_workers: int | None = None,
                 blank_skip: float | None = None):
        super().__init__(tokenizer, frame_shift, beam_size=beam_size, beam_size_token=beam_size_token,
                         beam_threshold=beam_threshold, nbest=nbest, num_workers=num_workers, blank_skip=blank_skip)


class _SearchDefault:
    """An option left out: the search's own default (KenLMBeamDecoder), which depends on
    whether a lexicon is given. Named so, in the config reference and in errors."""

    def __repr__(self) -> str:
        return "search default"


_DEFAULT = _SearchDefault()


@DECODERS.register("beam_lm")
class KenLMBeamDecoder(_FlashlightDecoder):
    """CTC beam search fused with a word n-gram LM: lexicon-constrained if a lexicon
    is given, else open vocabulary (each word scored by the n-gram as it ends).

    ``unk_score`` is added for a word the LM does not know; default: -inf with a
    lexicon (never), ``-10 * lm_weight`` without one (pyctcdecode's default).

    The search options left out take the defaults of the search: with a lexicon beam 50,
    threshold 25, every token, no blank skip (``LEXICON_DEFAULTS``); lexicon-free the
    pruning of pyctcdecode's defaults (``LEXICON_FREE_DEFAULTS``), where every token tried
    costs a call of the Python word LM (docs/decoding.md). ``None`` given explicitly for
    ``beam_size_token``, ``blank_skip`` or ``token_min_logp`` turns that pruning off.

    ``prior``/``prior_scale``: subtract ``prior_scale`` x the label log prior in the file
    ``prior`` (``gru-asr lm prior``) from the emissions first (label_prior.py)."""

    LEXICON_DEFAULTS = {"beam_size": 50, "beam_size_token": None, "beam_threshold": 25.0, "blank_skip": None,
                        "token_min_logp": None}
    # Measured on AN4 dev (tools/bench/decoders.py): 1.11x and 1.26x pyctcdecode's speed in
    # its own search space at a lower WER; the lexicon defaults (beam 50, threshold 25,
    # every token) were about 0.04x there, 5 tokens a frame without token_min_logp 0.3x.
    LEXICON_FREE_DEFAULTS = {"beam_size": 32, "beam_size_token": 3, "beam_threshold": 10.0,
                             "blank_skip": 1 - math.exp(-5), "token_min_logp": -5.0}

    def __init__(
        self,
        tokenizer,
        frame_shift: float,
        lm: str | None = None,
        lexicon: str | None = None,
        lm_weight: float = 0.5,
        word_score: float = 0.0,
        unk_score: float | None = None,
        beam_size: int = _DEFAULT,
        beam_size_token: int | None = _DEFAULT,
        beam_threshold: float = _DEFAULT,
        nbest: int = 1,
        num_workers: int | None = None,
        blank_skip: float | None = _DEFAULT,
        token_min_logp: float | None = _DEFAULT,
        prior: str | None = None,
        prior_scale: float = 0.0,
    ):
        if lm is None:
            raise ValueError("beam_lm needs an lm (ARPA or KenLM binary file); use 'beam' to decode without one")
        defaults = self.LEXICON_DEFAULTS if lexicon else self.LEXICON_FREE_DEFAULTS
        given = {"beam_size": beam_size, "beam_size_token": beam_size_token, "beam_threshold": beam_threshold,
                 "blank_skip": blank_skip, "token_min_logp": token_min_logp}
        search = {k: defaults[k] if v is _DEFAULT else v for k, v in given.items()}
        beam_size, beam_size_token, beam_threshold = search["beam_size"], search["beam_size_token"], search["beam_threshold"]
        blank_skip, token_min_logp = search["blank_skip"], search["token_min_logp"]
        super().__init__(tokenizer, frame_shift, lm=lm, lexicon=lexicon, lm_weight=lm_weight, word_score=word_score,
                         unk_score=unk_score, beam_size=beam_size, beam_size_token=beam_size_token,
                         beam_threshold=beam_threshold, nbest=nbest, num_workers=num_workers, blank_skip=blank_skip,
                         token_min_logp=token_min_logp, prior=prior, prior_scale=prior_scale)
