"""Grid search of LM weight, word score (and label prior scale) on cached emissions.

The acoustic model runs once; every (lm_weight, word_score) pair only re-runs
the beam search on the stored log-probs. The LM (and lexicon and its trie) is loaded
once per run, by ``check_decoder``, and shared by the searches of every grid point:
only flashlight's decoder, with the point's weights, is built per point. One pool of
worker processes, forked after the load (its pages are shared), decodes each
utterance at every point.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import torch

from gru_asr.data.manifest import ManifestError
from gru_asr.decoders import build_decoder
from gru_asr.decoders.worker_pool import WorkerPool
from gru_asr.evaluation.evaluate import stream_manifest
from gru_asr.inference.api import Model
from gru_asr.metrics import count_errors


@dataclass
class TuneResult:
    lm_weight: float
    word_score: float
    wer: float
    cer: float
    prior_scale: float = 0.0


def parse_grid(values: str, flag: str) -> list[float]:
    """``"0.5,1.0,1.5"`` -> floats; anything else raises UserError naming the flag."""
    from gru_asr.cli.errors import UserError

    try:
        grid = [float(x) for x in values.split(",")]
    except ValueError:
        raise UserError(f"{flag} {values}: expected comma-separated numbers, e.g. 0.5,1.0,1.5") from None
    return grid


def check_decoder(model: Model, lm: str, lexicon: str | None, prior: str | None = None) -> None:
    """Build the beam_lm decoder once, so that a missing or unreadable LM, lexicon or label
    prior is reported (UserError naming the file) before the acoustic model runs over the manifest."""
    from gru_asr.cli.errors import UserError
    from gru_asr.decoders.beam import decoder_tokens
    from gru_asr.decoders.label_prior import read_prior

    for what, path in (("LM", lm), ("lexicon", lexicon), ("prior", prior)):
        if path is not None and not Path(path).is_file():
            raise UserError(f"{path}: {what} file not found")
    if prior is not None:
        try:
            read_prior(prior, decoder_tokens(model.model.tokenizer))
        except ValueError as err:
            raise UserError(str(err)) from None
    try:
        dec = build_decoder({"name": "beam_lm", "lm": lm, "lexicon": lexicon, "num_workers": 1},
                            model.model.tokenizer, model.model.frame_shift)
        with _quiet_stderr_fd():  # KenLM's "Reading ... ****" progress on fd 2
            dec._get()  # flashlight's decoder loads the LM lazily: load it now
    except (RuntimeError, ValueError, IndexError, KeyError, UnicodeDecodeError) as err:
        files = lm if lexicon is None else f"{lm} or {lexicon}"
        # KenLM's messages start with the C++ source location; the last line says what is wrong.
        lines = [line.strip() for line in str(err).splitlines() if line.strip()] or [type(err).__name__]
        raise UserError(f"{files}: cannot load the LM or lexicon ({lines[-1][:200]})") from None
    dec.close()
    global _checked_lm
    _checked_lm = dec.loaded_lm()  # kept for grid_search: the LM is loaded once per run


_checked_lm = None  # the LM check_decoder loaded, taken by the next grid_search over it


@contextlib.contextmanager
def _quiet_stderr_fd():
    """Send what C++ code writes to file descriptor 2 to /dev/null for a moment."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real fd 2 (embedded interpreters)
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def cached_emissions(model: Model, manifest: str, batch_size: int = 16) -> tuple[list[torch.Tensor], list[str]]:
    """Per-utterance (T, V) log-probs and normalized references, streamed through the
    evaluation's data path (:func:`~gru_asr.evaluation.evaluate.stream_manifest`): only
    the emissions are kept for the grid, not the audio. A manifest with nothing to score
    raises :class:`ManifestError`."""
    emissions: list[torch.Tensor] = []
    refs: list[str] = []
    skipped: dict[str, str] = {}
    for batch in stream_manifest(model, manifest, batch_size, skipped):
        lp, lens = model.log_probs(batch.waveforms)
        emissions.extend(lp[i, : int(lens[i])].clone() for i in range(lp.size(0)))
        refs.extend(batch.refs)
    if not emissions:
        raise ManifestError(f"{manifest}: none of its {len(skipped)} utterances has a transcript and readable audio")
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
    prior: str | None = None,
    prior_scales: list[float] = (0.0,),
) -> list[TuneResult]:
    """WER and CER at every (lm_weight, word_score, prior_scale), lowest WER first.

    The LM is loaded once (or taken from ``check_decoder``) and shared by every point's
    search; each point decodes as ``beam_lm`` built alone with its weights would.
    ``num_workers`` processes (default: one per core, at most 8) each decode a share of
    the utterances at every point."""
    global _checked_lm
    if not emissions:
        raise ValueError("no emissions to tune on")
    points = list(itertools.product(lm_weights, word_scores, prior_scales))
    decoders = [
        build_decoder({"name": "beam_lm", "lm": lm, "lexicon": lexicon, "lm_weight": w, "word_score": ws,
                       "beam_size": beam_size, "num_workers": 1, "prior": prior if ps else None, "prior_scale": ps},
                      model.model.tokenizer, model.model.frame_shift)
        for w, ws, ps in points
    ]
    loaded, _checked_lm = _checked_lm, None
    if loaded is None or not loaded.serves(lm, lexicon, decoders[0].tokens):
        with _quiet_stderr_fd():
            loaded = decoders[0].loaded_lm()
    for dec in decoders:
        dec.share_loaded_lm(loaded)
    items = [e.detach().float().cpu().numpy() for e in emissions]
    workers = max(1, int(num_workers if num_workers is not None else min(os.cpu_count() or 1, 8)))
    decode = functools.partial(_decode_at_every_point, decoders)
    if workers > 1 and len(items) > 1:
        # Forked after the LM is loaded: the workers share its pages, and load nothing.
        pool = WorkerPool(decode, min(workers, len(items)), sum(x.size for x in items), init=_init_worker)
        try:
            texts = pool.map(items)
        finally:
            pool.close()
    else:
        texts = [decode(x) for x in items]
    results = []
    for p, (w, ws, ps) in enumerate(points):
        c = count_errors(refs, [t[p] for t in texts])
        results.append(TuneResult(w, ws, c.wer, c.cer, ps))
    return sorted(results, key=lambda r: (r.wer, r.cer))


def _decode_at_every_point(decoders: list, emissions) -> list[str]:
    """One utterance's best text at each grid point."""
    return [dec.decode_one(emissions)[0].text for dec in decoders]


def _init_worker() -> None:
    torch.set_num_threads(1)
