"""What every corpus preparer shares: durations from audio headers, one warning for
utterances listed without usable audio, and writing the split manifests without
replacing files the user already has.

Errors a user can fix (nothing found under ``--root``, an output that exists, ``--out``
naming a file) raise :class:`CorpusError`, a :class:`~gru_asr.data.manifest.ManifestError`,
so ``gru-asr prepare`` reports them in one line.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterable

from gru_asr.audio import AudioError, audio_info
from gru_asr.data import write_manifest
from gru_asr.data.manifest import ManifestError

log = logging.getLogger(__name__)

NOT_FOUND = "file not found"


class CorpusError(ManifestError):
    """A corpus folder gives nothing to prepare, or the manifests cannot be written
    without replacing existing files. The message names the folder or file."""


# Audio extensions a corpus folder may hold beside its transcripts: the corpus's own first
# for each caller, then re-encoded copies (the shared slices are Ogg Opus).
AUDIO_EXTENSIONS = (".flac", ".wav", ".opus", ".ogg", ".mp3")


def find_audio(folder: Path, stem: str, first: str = ".flac") -> Path:
    """``folder/stem.<ext>`` for the first extension present, the corpus's own (``first``)
    tried first; when none exists, the path with ``first`` (reported as missing later)."""
    for ext in (first, *(e for e in AUDIO_EXTENSIONS if e != first)):
        path = folder / f"{stem}{ext}"
        if path.is_file():
            return path
    return folder / f"{stem}{first}"


def with_durations(entries: list[dict], workers: int = 8) -> tuple[list[dict], list[tuple[str, str]]]:
    """Fill ``duration`` from audio headers (threads: I/O bound). Entries whose audio
    is missing or unreadable are returned separately as ``(id, reason)``, not logged:
    the caller reports them once per split (:func:`warn_skipped`)."""

    def one(e):
        try:
            return {**e, "duration": round(audio_info(e["audio"]).duration, 3)}, None
        except AudioError as err:
            return None, (e["id"], err.reason)

    good, bad = [], []
    with ThreadPoolExecutor(workers) as pool:
        for entry, problem in pool.map(one, entries):
            if entry is not None:
                good.append(entry)
            else:
                bad.append(problem)
    return good, bad


def warn_skipped(where: str, listed: int, skipped: list[tuple[str, str]], show: int = 5) -> str | None:
    """One warning for the utterances of ``where`` (a split) that were listed but
    left out: how many, why, and the first few ids per reason. Returns the message."""
    if not skipped:
        return None
    by_reason: dict[str, list[str]] = {}
    for uid, reason in skipped:
        key = "no audio file" if reason == NOT_FOUND else reason
        by_reason.setdefault(key, []).append(uid)
    parts = []
    for reason, ids in sorted(by_reason.items(), key=lambda kv: -len(kv[1])):
        more = f", ... {len(ids) - show} more" if len(ids) > show else ""
        parts.append(f"{len(ids)} {reason} ({', '.join(ids[:show])}{more})")
    msg = f"{where}: {len(skipped)} of {listed} listed utterances left out: " + "; ".join(parts)
    log.warning("%s", msg)
    return msg


def check_out_dir(out_dir: str | Path, names: Iterable[str], overwrite: bool) -> Path:
    """Refuse before any work when ``out_dir`` is a file, or when one of the files
    ``names`` (e.g. ``train.jsonl``) exists in it and ``overwrite`` is false:
    hand-edited manifests are never replaced silently."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise CorpusError(f"{out}: --out must be a folder for the manifests, and this is a file")
    if not overwrite and out.is_dir():
        existing = [n for n in names if (out / n).exists()]
        if existing:
            raise CorpusError(
                f"{out}: {', '.join(existing)} exist{'s' if len(existing) == 1 else ''}; "
                "pass --overwrite to replace them (or choose another --out)"
            )
    return out


def manifest_names(splits: Iterable[str]) -> list[str]:
    return [f"{s}.jsonl" for s in splits]


Skipped = tuple[str, int, list[tuple[str, str]]]  # (where, utterances listed, [(id, reason)])


def write_splits(
    out_dir: str | Path,
    splits: dict[str, list[dict]],
    overwrite: bool = False,
    source: str | Path | None = None,
    skipped: list[Skipped] = (),
) -> dict[str, Path]:
    """Write ``<split>.jsonl`` for every split with entries. ``source`` given: having no
    utterance at all is an error naming it (one line, no warnings first), since an exit
    with nothing written would look like success. Otherwise the utterances left out
    (``skipped``, from :func:`with_durations`) and the splits left empty are reported,
    one warning each."""
    nonempty = {name: entries for name, entries in splits.items() if entries}
    if source is not None and not nonempty:
        raise CorpusError(f"{source}: no utterance with readable audio was found (nothing written)")
    for where, listed, bad in skipped:
        warn_skipped(where, listed, bad)
    for name, entries in splits.items():
        if not entries:
            log.warning("%s: no utterances with audio; no %s.jsonl written", name, name)
    out = check_out_dir(out_dir, manifest_names(nonempty), overwrite)
    out.mkdir(parents=True, exist_ok=True)
    return {name: write_manifest(out / f"{name}.jsonl", entries) for name, entries in nonempty.items()}
