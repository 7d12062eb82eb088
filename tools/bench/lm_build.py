"""How long the built-in n-gram builder (gru_asr/lm) takes on the shared LM text, and how
much memory: a pruned 4-gram (``--prune 0,0,1,1``) as ``gru-asr lm build`` makes it.

Issue 22's target: tens of millions of words in at most 15 minutes and 8 GB on 2 cores.
Default: the first ~2 M words of ../shared/data/lm-text/lm_text.txt.xz (under a minute),
with the minutes per 40 M words extrapolated linearly; ``--full``: all 40 M words, measured.

Prints words read; seconds for reading + normalizing, counting, estimating and writing;
the normalizer's fast path against the plain normalizer on the same lines (and that they
agree); peak RSS; the ARPA's size and n-grams per order; the seconds flashlight's KenLM
takes to load it. Without the shared file it says so and exits 0.
Usage: .venv/bin/python tools/bench/lm_build.py [--full] [--order 4] [--prune 0,0,1,1] [--words N]
Last line: ``lm_build_minutes_per_40m_words: X`` (the line before says measured or extrapolated).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
DEFAULT_TEXT = ROOT.parent / "shared" / "data" / "lm-text" / "lm_text.txt.xz"
CORPUS_WORDS = 40_000_000


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def normalizer_speed(lines: list[str], rounds: int = 3) -> tuple[float, float, bool]:
    """Lines per second of the plain and the fast normalizer on the same lines (medians of
    alternating rounds; the fast one starts with an empty cache each round)."""
    from gru_asr.lm.sources import fast_normalizer
    from gru_asr.text import TextNormalizer

    plain = TextNormalizer()
    slow_t, fast_t, same = [], [], True
    for _ in range(rounds):
        t = time.perf_counter()
        a = [plain(s) for s in lines]
        slow_t.append(time.perf_counter() - t)
        fast = fast_normalizer(TextNormalizer())
        t = time.perf_counter()
        b = [fast(s) for s in lines]
        fast_t.append(time.perf_counter() - t)
        same = same and a == b
    return len(lines) / statistics.median(slow_t), len(lines) / statistics.median(fast_t), same


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="all of the text (about 40 M words)")
    ap.add_argument("--text", type=Path, default=DEFAULT_TEXT)
    ap.add_argument("--words", type=int, default=2_000_000, help="words to read without --full")
    ap.add_argument("--order", type=int, default=4)
    ap.add_argument("--prune", default="0,0,1,1")
    ap.add_argument("--no-load", action="store_true", help="skip loading the ARPA in flashlight's KenLM")
    args = ap.parse_args()
    if not args.text.is_file():
        print(f"{args.text}: not found (the shared LM text); nothing to measure")
        return

    from gru_asr.lm.arpa import write_arpa
    from gru_asr.lm.corpus import CorpusEncoder
    from gru_asr.lm.counts import count_ngrams
    from gru_asr.lm.kneser_ney import estimate
    from gru_asr.lm.sources import fast_normalizer, iter_text_lines
    from gru_asr.text import TextNormalizer

    limit = None if args.full else args.words
    sample = list(islice(iter_text_lines(args.text), 20_000))
    plain_lps, fast_lps, same = normalizer_speed(sample)
    print(f"normalizer on {len(sample):,} lines: plain {plain_lps:,.0f} lines/s, fast path {fast_lps:,.0f} lines/s "
          f"({fast_lps / plain_lps:.1f}x), same output: {same}")

    t0 = time.perf_counter()
    norm = fast_normalizer(TextNormalizer())
    encoder = CorpusEncoder()
    words = 0
    for line in iter_text_lines(args.text):
        s = norm(line)
        if encoder.add(s):
            words += s.count(" ") + 1
            if limit is not None and words >= limit:
                break
    corpus = encoder.finish()
    t_read = time.perf_counter() - t0
    print(f"read {corpus.words:,} words, {corpus.sentences:,} sentences, vocabulary {corpus.vocab_size:,}: "
          f"{t_read:.1f} s reading + normalizing ({corpus.words / t_read / 1e6:.2f} M words/s); peak RSS {peak_rss_mb():,.0f} MB")

    t = time.perf_counter()
    tables = count_ngrams(corpus, args.order)
    t_count = time.perf_counter() - t
    print(f"counting: {t_count:.1f} s; distinct n-grams per order {[len(x) for x in tables]}; peak RSS {peak_rss_mb():,.0f} MB")
    t = time.perf_counter()
    estimates = estimate(tables, args.prune)
    t_est = time.perf_counter() - t
    kept = [int(e.keep.sum()) for e in estimates]
    print(f"estimating (prune {args.prune}): {t_est:.1f} s; n-grams kept per order {kept}; peak RSS {peak_rss_mb():,.0f} MB")
    with tempfile.TemporaryDirectory() as tmp:
        arpa = Path(tmp) / "lm.arpa"
        t = time.perf_counter()
        write_arpa(arpa, corpus.vocab, tables, estimates)
        t_write = time.perf_counter() - t
        size_mb = arpa.stat().st_size / 1e6
        del tables, estimates
        print(f"writing: {t_write:.1f} s; ARPA {size_mb:,.1f} MB; peak RSS {peak_rss_mb():,.0f} MB")
        total = t_read + t_count + t_est + t_write
        if not args.no_load:
            from flashlight.lib.text.decoder.kenlm import KenLM
            from flashlight.lib.text.dictionary import create_word_dict

            t = time.perf_counter()
            KenLM(str(arpa), create_word_dict({w: [[w]] for w in corpus.vocab[:10]}))
            print(f"flashlight KenLM loads the ARPA in {time.perf_counter() - t:.1f} s")
    print(f"build: {total:.1f} s for {corpus.words:,} words (reading + normalizing {t_read:.1f}, counting {t_count:.1f}, "
          f"estimating {t_est:.1f}, writing {t_write:.1f}); peak RSS {peak_rss_mb():,.0f} MB")
    minutes = total / 60 * CORPUS_WORDS / corpus.words
    how = "measured on the whole text" if args.full else f"extrapolated linearly from {corpus.words:,} words"
    print(f"minutes per 40 M words: {how} (order {args.order}, prune {args.prune}; beside other work on this machine)")
    print(f"lm_build_minutes_per_40m_words: {minutes:.2f}")


if __name__ == "__main__":
    main()
