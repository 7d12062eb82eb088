"""Common Voice (any locale): ``<root>/<locale>/{train,dev,test,validated}.tsv``
(tab-separated with a header; ``path`` and ``sentence`` columns) and ``clips/*.mp3``."""

from __future__ import annotations

import csv
from pathlib import Path

from gru_asr.corpora.common import with_durations, write_splits

TSVS = ("train", "dev", "test", "validated")


def prepare_commonvoice(root: str | Path, out_dir: str | Path, locale: str | None = None) -> dict[str, Path]:
    root = Path(root)
    base = root / locale if locale else root
    if not any((base / f"{t}.tsv").is_file() for t in TSVS):
        subdirs = [d for d in root.iterdir() if d.is_dir() and (d / "validated.tsv").is_file()] if root.is_dir() else []
        if len(subdirs) == 1:
            base = subdirs[0]
        else:
            raise FileNotFoundError(f"{base}: no Common Voice .tsv files (pass the locale folder)")
    splits = {}
    for name in TSVS:
        tsv = base / f"{name}.tsv"
        if not tsv.is_file():
            continue
        entries = []
        with open(tsv, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                if not row.get("path"):
                    continue
                entries.append({
                    "id": Path(row["path"]).stem, "audio": str(base / "clips" / row["path"]),
                    "text": row.get("sentence", ""), "speaker": (row.get("client_id") or "")[:16],
                })
        splits[name], _ = with_durations(entries)
    return write_splits(out_dir, splits)
