"""Corpus statistics from prepared manifests: the recipes' "statistics" stage.

``python -m gru_asr.corpora.statistics data/x/*.jsonl [--json out.json]`` prints one
row per manifest: utterances, hours, speakers, words, vocabulary, duration range and
the 99th percentile of characters per second. The last one decides how much time
subsampling CTC can afford (it needs at least one output frame per label).
Feature normalization statistics are not computed here: training computes them
from the training set at its start and stores them in the model package.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gru_asr.data import read_manifest
from gru_asr.text import TextNormalizer


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, int(q * (len(sorted_values) - 1) + 0.5))]


def manifest_statistics(path: str | Path, normalizer: TextNormalizer | None = None) -> dict:
    norm = normalizer or TextNormalizer()
    entries = read_manifest(path, resolve_paths=False)
    durations = sorted(e["duration"] for e in entries)
    texts = [norm(e.get("text", "")) for e in entries]
    words = [w for t in texts for w in t.split()]
    rates = sorted(len(t) / e["duration"] for t, e in zip(texts, entries) if e["duration"] > 0)
    return {
        "manifest": str(path),
        "utterances": len(entries),
        "hours": round(sum(durations) / 3600, 3),
        "speakers": len({e.get("speaker") for e in entries if e.get("speaker")}),
        "words": len(words),
        "vocabulary": len(set(words)),
        "empty_transcripts": sum(1 for t in texts if not t),
        "min_duration": round(durations[0], 3) if durations else 0.0,
        "median_duration": round(_percentile(durations, 0.5), 3),
        "max_duration": round(durations[-1], 3) if durations else 0.0,
        "chars_per_second_p99": round(_percentile(rates, 0.99), 2),
    }


def format_table(rows: list[dict]) -> str:
    head = f"{'manifest':<28} {'utts':>8} {'hours':>8} {'spk':>6} {'words':>9} {'vocab':>7} {'dur min/med/max s':>19} {'chars/s p99':>11}"
    lines = [head]
    for r in rows:
        durs = f"{r['min_duration']:.1f}/{r['median_duration']:.1f}/{r['max_duration']:.1f}"
        lines.append(f"{Path(r['manifest']).name:<28} {r['utterances']:>8} {r['hours']:>8.2f} {r['speakers']:>6} "
                     f"{r['words']:>9} {r['vocabulary']:>7} {durs:>19} {r['chars_per_second_p99']:>11.1f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m gru_asr.corpora.statistics", description=__doc__.splitlines()[0])
    p.add_argument("manifests", nargs="+")
    p.add_argument("--json", help="also write the statistics here (a list, one object per manifest)")
    args = p.parse_args(argv)
    rows = [manifest_statistics(m) for m in args.manifests]
    print(format_table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
