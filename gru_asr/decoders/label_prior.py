"""Label priors for LM-fused CTC decoding.

A CTC model's posteriors carry the label frequencies of its training data, and an LM
fused by weight then counts word and letter frequencies a second time. Subtracting
``prior_scale`` times each label's log prior (its mean posterior over training frames)
from the emissions before the search divides that out, as Kaldi's hybrid models divide
by their stored priors and RETURNN's CTC decoding does with a prior scale.
Measured on mini-LibriSpeech dev (``recipes/mini_librispeech/RESULTS.md``).

The prior is a file beside the LM: one ``token<TAB>log prior`` line per label in id order
(blank first), after a ``#`` header that names the model it was estimated with. It
belongs to that acoustic model: retrain, re-estimate.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Iterable

import numpy as np
import torch

HEADER = "# gru_asr label prior"


class LabelPriorError(ValueError):
    """A prior file that is unreadable, malformed or over other labels (bad input, one line)."""


def estimate_log_prior(emissions: Iterable[torch.Tensor]) -> torch.Tensor:
    """log of the mean posterior of each label over all frames of ``emissions``
    ((T, V) log-probs per utterance), computed in log space."""
    total, frames = None, 0
    for lp in emissions:
        if lp.size(0) == 0:
            continue
        s = torch.logsumexp(lp.double(), dim=0)
        total = s if total is None else torch.logaddexp(total, s)
        frames += lp.size(0)
    if total is None:
        raise ValueError("no frames to estimate a label prior from")
    return (total - math.log(frames)).float()


def write_prior(path: str | Path, tokens: list[str], log_prior: torch.Tensor, source: str) -> Path:
    if len(tokens) != log_prior.numel():
        raise ValueError(f"{len(tokens)} tokens for a prior over {log_prior.numel()} labels")
    lines = [f"{HEADER} ({source})"] + [f"{t}\t{float(v):.6f}" for t, v in zip(tokens, log_prior.tolist())]
    path = Path(path)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_prior(path: str | Path, tokens: list[str]) -> np.ndarray:
    """The log prior of each of ``tokens`` (the decoder's, by id), from a prior file;
    LabelPriorError naming the file if it is not one or was estimated over other labels."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise LabelPriorError(f"{path}: cannot read the label prior ({err})") from None
    if not lines or not lines[0].startswith(HEADER):
        raise LabelPriorError(f"{path}: not a label prior file (write one with `gru-asr lm prior`)")
    names, values = [], []
    for n, line in enumerate(lines[1:], start=2):
        parts = line.split("\t")
        try:
            value = float(parts[1]) if len(parts) == 2 else float("nan")
        except ValueError:
            value = float("nan")
        if not math.isfinite(value) or value > 0:
            raise LabelPriorError(f"{path}: line {n} is not 'token<TAB>log prior' with a log prior <= 0")
        names.append(parts[0])
        values.append(value)
    if names != tokens[: len(names)] or len(names) not in (len(tokens), len(tokens) - 1):
        raise LabelPriorError(f"{path}: the prior is over other labels than this model's ({len(names)} labels, "
                         f"the model has {len(tokens)}): estimate it with this model (`gru-asr lm prior`)")
    return np.asarray(values, dtype=np.float32)
