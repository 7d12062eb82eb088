"""Common Voice (any locale): ``<root>/<locale>/{train,dev,test,validated}.tsv``
(tab-separated with a header; ``path`` and ``sentence`` columns) and ``clips/*.mp3``.

``--root`` is the release folder (``cv-corpus-17.0-2024-03-15``, holding one folder per
locale) or a locale folder itself. With ``locale`` given, only that locale is read: a
release without it is an error, never another locale's clips. Without ``locale``, a
release holding exactly one locale is read.
"""

from __future__ import annotations

import csv
from pathlib import Path

from gru_asr.corpora.common import CorpusError, check_out_dir, manifest_names, with_durations, write_splits

TSVS = ("train", "dev", "test", "validated")


def _has_tsvs(d: Path) -> bool:
    return any((d / f"{t}.tsv").is_file() for t in TSVS)


def _locale_dirs(root: Path) -> list[Path]:
    return sorted(d for d in root.iterdir() if d.is_dir() and _has_tsvs(d)) if root.is_dir() else []


def locale_folder(root: str | Path, locale: str | None = None) -> Path:
    """The folder holding the locale's .tsv files and clips/."""
    root = Path(root)
    if not root.exists():
        raise FileNotFoundError(f"{root}: no such folder")
    if locale:
        if _has_tsvs(root / locale):
            return root / locale
        if _has_tsvs(root) and root.name == locale:
            return root  # --root is the locale folder itself
        others = [d.name for d in _locale_dirs(root)] or ([root.name] if _has_tsvs(root) else [])
        found = f"; found: {', '.join(others)}" if others else ""
        raise FileNotFoundError(f"{root}: no Common Voice .tsv files for locale {locale!r} (no {root / locale}/*.tsv){found}")
    if _has_tsvs(root):
        return root
    subdirs = _locale_dirs(root)
    if len(subdirs) == 1:
        return subdirs[0]
    if subdirs:
        raise CorpusError(f"{root}: holds several locales ({', '.join(d.name for d in subdirs)}); pass --locale")
    raise FileNotFoundError(f"{root}: no Common Voice .tsv files (pass the release folder and --locale, or the locale folder)")


def read_tsv(tsv: Path) -> list[dict]:
    """The rows of one Common Voice .tsv as manifest entries (no durations yet)."""
    entries = []
    try:
        with open(tsv, encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
            if not reader.fieldnames or "path" not in reader.fieldnames or "sentence" not in reader.fieldnames:
                raise CorpusError(f"{tsv}: not a Common Voice .tsv (its header needs 'path' and 'sentence' columns)")
            for row in reader:
                if not row.get("path"):
                    continue
                entries.append({
                    "id": Path(row["path"]).stem, "audio": str(tsv.parent / "clips" / row["path"]),
                    "text": row.get("sentence") or "", "speaker": (row.get("client_id") or "")[:16],
                })
    except UnicodeDecodeError as err:
        raise CorpusError(f"{tsv}: not UTF-8 text (byte {err.start})") from None
    return entries


def prepare_commonvoice(
    root: str | Path, out_dir: str | Path, locale: str | None = None, overwrite: bool = False
) -> dict[str, Path]:
    base = locale_folder(root, locale)
    present = [name for name in TSVS if (base / f"{name}.tsv").is_file()]
    check_out_dir(out_dir, manifest_names(present), overwrite)
    splits, skipped = {}, []
    for name in present:
        tsv = base / f"{name}.tsv"
        entries = read_tsv(tsv)
        splits[name], bad = with_durations(entries)
        skipped.append((str(tsv), len(entries), bad))
    return write_splits(out_dir, splits, overwrite=overwrite, source=base, skipped=skipped)
