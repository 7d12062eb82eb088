"""Interpolated modified Kneser-Ney n-gram language models in ARPA format.

The built-in builder is numpy throughout and streams its input: sentences become one
int32 array of word ids (gru_asr/lm/corpus.py), n-grams are counted by sort-and-unique as
integer tables (counts.py), estimated as KenLM's ``lmplz`` does, with its ``--prune``
count cutoffs (kneser_ney.py), and written as ARPA a block at a time (arpa.py). KenLM's
``lmplz`` is used instead when it is on PATH (it is faster still), except with a
vocabulary limit, which it has no equivalent for.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Iterable, Sequence

from gru_asr.lm.arpa import ngram_word_ids, write_arpa
from gru_asr.lm.arpa_text import compress_file, wants_gzip
from gru_asr.lm.corpus import encode_corpus
from gru_asr.lm.counts import count_ngrams
from gru_asr.lm.kneser_ney import estimate, parse_prune

Prune = str | Sequence[int] | None


def build_arpa(sentences: Iterable[str], path: str | Path, order: int = 3, use_lmplz: bool = True,
               prune: Prune = None, vocab_size: int | None = None) -> Path:
    """Write an ARPA LM for ``sentences`` (one normalized sentence per item, read once).

    ``prune``: count thresholds per order as ``lmplz --prune`` (``"0,0,1,1"``);
    ``vocab_size``: keep the N most frequent words, the others become ``<unk>``.
    Raises ValueError when no sentence has a word, or for bad settings."""
    if order < 1:
        raise ValueError("order must be >= 1")
    thresholds = parse_prune(prune, order)
    path = Path(path)
    lmplz = shutil.which("lmplz") if use_lmplz and vocab_size is None else None
    if lmplz:
        return _run_lmplz(lmplz, sentences, path, order, thresholds)
    corpus = encode_corpus(sentences, vocab_size)
    tables = count_ngrams(corpus, order)
    return write_arpa(path, corpus.vocab, tables, estimate(tables, thresholds))


def train_ngram(sentences: Iterable[str], order: int = 3, prune: Prune = None,
                vocab_size: int | None = None) -> dict[int, dict[tuple[str, ...], tuple[float, float | None]]]:
    """The model as ``{n: {ngram: (log10 prob, log10 backoff or None)}}``, for small texts
    (tests, inspection); the ARPA file holds exactly these entries."""
    corpus = encode_corpus(sentences, vocab_size)
    tables = count_ngrams(corpus, order)
    out = {}
    for n, e in enumerate(estimate(tables, prune)):
        rows = e.keep.nonzero()[0]
        ids = ngram_word_ids(tables, n, rows).tolist()
        lp = e.log10_prob[rows].tolist()
        bo = [None] * len(rows) if e.log10_backoff is None else e.log10_backoff[rows].tolist()
        out[n + 1] = {tuple(corpus.vocab[i] for i in gram): (p, b) for gram, p, b in zip(ids, lp, bo)}
    return out


def _lmplz_memory() -> str:
    """lmplz sorts in RAM (80 % of it by default): at most 4 GB, or 40 % of a smaller machine."""
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "2G"
    return f"{max(256, min(4096, int(physical * 0.4) >> 20))}M"


def _run_lmplz(lmplz: str, sentences: Iterable[str], path: Path, order: int, thresholds: list[int]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [lmplz, "-o", str(order), "--discount_fallback", "-S", _lmplz_memory(), "-T", tempfile.gettempdir()]
    if any(thresholds):
        cmd += ["--prune", *map(str, thresholds)]
    tmp = path.with_name(f".{path.name}.partial")
    written = 0
    with open(tmp, "wb") as out, tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=out, stderr=log)
        try:  # lmplz reads while we write; a failure of either side stops both
            batch: list[str] = []
            for s in sentences:
                if s.strip():
                    batch.append(s)
                if len(batch) >= 10_000:
                    proc.stdin.write(("\n".join(batch) + "\n").encode("utf-8"))
                    written += len(batch)
                    batch = []
            if batch:
                proc.stdin.write(("\n".join(batch) + "\n").encode("utf-8"))
                written += len(batch)
            proc.stdin.close()
            rc = proc.wait()
        except BrokenPipeError:  # lmplz stopped early: its message says why
            rc = proc.wait()
            written = written or 1
        except BaseException:
            proc.kill()
            proc.wait()
            tmp.unlink(missing_ok=True)
            raise
        if not written:
            tmp.unlink(missing_ok=True)
            raise ValueError("no text to build a language model from")
        if rc != 0:
            tmp.unlink(missing_ok=True)
            log.seek(0)
            tail = [line for line in log.read().decode("utf-8", "replace").splitlines() if line.strip()][-1:]
            raise RuntimeError(f"lmplz failed (exit {rc}): {tail[0] if tail else 'no message'}")
    if wants_gzip(path):  # lmplz writes plain text to stdout
        packed = path.with_name(f".{path.name}.gz.partial")
        try:
            compress_file(tmp, packed)
            os.replace(packed, path)
        finally:
            tmp.unlink(missing_ok=True)
            packed.unlink(missing_ok=True)
    else:
        os.replace(tmp, path)
    return path
