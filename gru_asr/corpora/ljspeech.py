"""LJSpeech 1.1: ``LJSpeech-1.1/metadata.csv`` (``id|raw text|normalized text``, no
header, no quoting) next to ``wavs/<id>.wav`` (22050 Hz mono; resampled on load; other
audio extensions for re-encoded copies, such as the shared slice's ``.opus``).

One speaker reading passages from 50 non-fiction books; the id's first field
names the book (``LJ001-0001`` .. ``LJ050-0278``). The corpus has no official
split, so dev and test are whole books held out: the text of a held-out book is
never in training (nor in an LM built from the training transcripts), which a
random split by utterance would not guarantee. Default: dev = LJ001, test = LJ002,
train = LJ003..LJ050.
"""

from __future__ import annotations

import logging
from pathlib import Path

from gru_asr.corpora.common import check_out_dir, find_audio, manifest_names, with_durations, write_splits
from gru_asr.data.manifest import read_text_lines

log = logging.getLogger(__name__)

DEV_BOOKS = ("LJ001",)
TEST_BOOKS = ("LJ002",)


def _base(root: Path) -> Path:
    return root / "LJSpeech-1.1" if (root / "LJSpeech-1.1" / "metadata.csv").is_file() else root


def read_metadata(path: str | Path) -> list[tuple[str, str]]:
    """``(id, text)`` per line, preferring the normalized column (numbers and
    abbreviations written out) and falling back to the raw one when it is empty."""
    rows = []
    for lineno, line in enumerate(read_text_lines(Path(path), "LJSpeech metadata"), 1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        # Split on the first two pipes only: quotes in the text are literal, so
        # the csv module's quoting rules would mangle them.
        fields = line.split("|", 2)
        if len(fields) < 2 or not fields[0].strip():
            log.warning("%s:%d: not an 'id|text|normalized' line, skipped", path, lineno)
            continue
        normalized = fields[2].strip() if len(fields) == 3 else ""
        rows.append((fields[0].strip(), normalized or fields[1].strip()))
    return rows


def book_of(utt_id: str) -> str:
    return utt_id.split("-", 1)[0]


def prepare_ljspeech(
    root: str | Path,
    out_dir: str | Path,
    dev_books: tuple[str, ...] = DEV_BOOKS,
    test_books: tuple[str, ...] = TEST_BOOKS,
    overwrite: bool = False,
) -> dict[str, Path]:
    base = _base(Path(root))
    metadata = base / "metadata.csv"
    if not metadata.is_file():
        raise FileNotFoundError(f"{root}: not an LJSpeech folder (no LJSpeech-1.1/metadata.csv)")
    if set(dev_books) & set(test_books):
        raise ValueError(f"a book cannot be both dev and test: {sorted(set(dev_books) & set(test_books))}")
    check_out_dir(out_dir, manifest_names(("train", "dev", "test")), overwrite)
    entries = [
        {"id": utt, "audio": str(find_audio(base / "wavs", utt, ".wav")), "text": text, "speaker": "LJ"}
        for utt, text in read_metadata(metadata)
    ]
    good, bad = with_durations(entries)
    splits: dict[str, list[dict]] = {"train": [], "dev": [], "test": []}
    for e in good:
        book = book_of(e["id"])
        splits["dev" if book in dev_books else "test" if book in test_books else "train"].append(e)
    skipped = [(f"{metadata} (audio in {base / 'wavs'})", len(entries), bad)]
    return write_splits(out_dir, splits, overwrite=overwrite, source=base, skipped=skipped)
