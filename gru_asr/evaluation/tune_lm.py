"""Grid search of LM weight and word score on cached emissions.

The acoustic model runs once; every (lm_weight, word_score) pair only re-runs
the beam search on the stored log-probs.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import torch

from gru_asr.data.manifest import segment_bounds

from gru_asr.audio import AudioError, load_audio
from gru_asr.data import read_manifest
from gru_asr.decoders import build_decoder
from gru_asr.inference.api import Model
from gru_asr.metrics import count_errors


@dataclass
class TuneResult:
    lm_weight: float
    word_score: float
    wer: float
    cer: float


def cached_emissions(model: Model, manifest: str, batch_size: int = 16) -> tuple[list[torch.Tensor], list[str]]:
    """Per-utterance (T, V) log-probs and normalized references."""
    wavs, refs = [], []
    for e in read_manifest(manifest):
        ref = model.model.normalizer(e.get("text", ""))
        if not ref:
            continue
        try:
            offset, dur = segment_bounds(e)
            wavs.append(load_audio(e["audio"], model.sample_rate, offset=offset, duration=dur))
            refs.append(ref)
        except AudioError:
            continue
    emissions: list[torch.Tensor] = []
    for start in range(0, len(wavs), batch_size):
        lp, lens = model.log_probs(wavs[start : start + batch_size])
        emissions.extend(lp[i, : int(lens[i])].clone() for i in range(lp.size(0)))
    return emissions, refs


def grid_search(
    model: Model,
    emissions: list[torch.Tensor],
    refs: list[str],
    lm: str,
    lexicon: str | None,
    lm_weights: list[float],
    word_scores: list[float],
    beam_size: int = 50,
    num_workers: int | None = None,
) -> list[TuneResult]:
    lengths = torch.tensor([e.size(0) for e in emissions])
    padded = torch.zeros(len(emissions), int(lengths.max()), emissions[0].size(1))
    for i, e in enumerate(emissions):
        padded[i, : e.size(0)] = e
    results = []
    for w, ws in itertools.product(lm_weights, word_scores):
        dec = build_decoder(
            {"name": "beam_lm", "lm": lm, "lexicon": lexicon, "lm_weight": w, "word_score": ws,
             "beam_size": beam_size, "num_workers": num_workers},
            model.model.tokenizer,
            model.model.frame_shift,
        )
        hyps = [nbest[0].text for nbest in dec.decode(padded, lengths)]  # spread over cores
        dec.close()
        c = count_errors(refs, hyps)
        results.append(TuneResult(w, ws, c.wer, c.cer))
    return sorted(results, key=lambda r: (r.wer, r.cer))
