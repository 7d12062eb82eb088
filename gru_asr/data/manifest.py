"""JSONL manifests: one utterance per line.

Fields: ``id`` (unique), ``audio`` (path; relative paths are relative to the
manifest's folder), ``duration`` (seconds), ``text`` (transcript), and optionally
``offset`` (seconds into the file, for segments of long recordings) and
``speaker``. Unknown fields are kept and ignored.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, Iterable

from gru_asr.utils.atomic_files import atomic_write_bytes


class ManifestError(Exception):
    """A manifest cannot be read, or a line is not valid JSON, lacks a required
    field, or holds an impossible value (a negative or non-finite duration)."""


REQUIRED = ("audio", "duration")


def read_manifest(path: str | Path, resolve_paths: bool = True) -> list[dict[str, Any]]:
    path = Path(path)
    if not path.is_file():
        raise ManifestError(f"{path}: manifest not found")
    root = path.parent
    entries, seen = [], set()
    for lineno, line in enumerate(read_text_lines(path, "manifest"), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as err:
            reason = err.msg if isinstance(err, json.JSONDecodeError) else "nested too deeply"
            raise ManifestError(f"{path}:{lineno}: not valid JSON ({reason})") from None
        if not isinstance(entry, dict):
            raise ManifestError(f"{path}:{lineno}: each line must be a JSON object")
        missing = [k for k in REQUIRED if k not in entry]
        if missing:
            raise ManifestError(f"{path}:{lineno}: missing field(s) {', '.join(missing)}")
        check_audio_path(entry["audio"], f"{path}:{lineno}")
        entry["duration"] = seconds(entry["duration"], "duration", f"{path}:{lineno}")
        if entry.get("offset") is not None:  # present (even 0.0) = a segment of a longer file
            entry["offset"] = seconds(entry["offset"], "offset", f"{path}:{lineno}")
        else:
            entry.pop("offset", None)
        text = entry.get("text")
        entry["text"] = "" if text is None else str(text)  # null is no transcript, not "None"
        entry.setdefault("id", Path(str(entry["audio"])).stem if "audio" in entry else str(lineno))
        entry["id"] = str(entry["id"])
        if entry["id"] in seen:
            entry["id"] = f"{entry['id']}#{lineno}"
        seen.add(entry["id"])
        if resolve_paths and not os.path.isabs(str(entry["audio"])):
            entry["audio"] = str(root / str(entry["audio"]))
        entries.append(entry)
    return entries


def read_text_lines(path: Path, what: str) -> list[str]:
    """The lines of a UTF-8 text file; unreadable files raise :class:`ManifestError`."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.readlines()  # \n, \r\n or \r, as iterating the file would
    except UnicodeDecodeError as err:
        raise ManifestError(f"{path}: {what} is not UTF-8 text (byte {err.start})") from None
    except OSError as err:
        raise ManifestError(f"{path}: cannot read the {what} ({err.strerror or err})") from None


def check_audio_path(audio: Any, where: str) -> None:
    if not isinstance(audio, str) or not audio or "\x00" in audio:
        raise ManifestError(f"{where}: audio must be a non-empty file path, not {str(audio)[:80]!r}")


def seconds(value: Any, field: str, where: str) -> float:
    """A duration or offset: a finite number >= 0 (JSON allows NaN and 1e999)."""
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ManifestError(f"{where}: {field} must be a number of seconds, not {str(value)[:40]!r}") from None
    if not math.isfinite(x) or x < 0:
        raise ManifestError(f"{where}: {field} must be a finite number >= 0, not {x}")
    return x


def write_manifest(path: str | Path, entries: Iterable[dict[str, Any]], relative_to_manifest: bool = True) -> Path:
    """Write entries atomically; audio paths are stored relative to the manifest
    folder where possible so a corpus folder can be moved as a whole."""
    path = Path(path)
    root = path.parent.resolve()
    lines = []
    for e in entries:
        e = dict(e)
        if relative_to_manifest:
            audio = Path(e["audio"]).resolve()
            if audio.is_relative_to(root):  # inside the corpus folder: keep it movable
                e["audio"] = str(audio.relative_to(root))
            else:
                e["audio"] = str(audio)
        if e.get("offset") is None:
            e.pop("offset", None)
        lines.append(json.dumps(e, ensure_ascii=False))
    atomic_write_bytes(path, ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8"))
    return path


def segment_bounds(entry: dict) -> tuple[float, float | None]:
    """``(offset, duration)`` to read an entry's audio: a segment when the entry
    has an ``offset`` (0.0 included: the first segment of a long recording),
    otherwise the whole file (duration None)."""
    if entry.get("offset") is None:
        return 0.0, None
    return float(entry["offset"]), float(entry["duration"])
