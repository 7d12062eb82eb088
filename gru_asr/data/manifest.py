"""JSONL manifests: one utterance per line.

Fields: ``id`` (unique), ``audio`` (path; relative paths are relative to the
manifest's folder), ``duration`` (seconds), ``text`` (transcript), and optionally
``offset`` (seconds into the file, for segments of long recordings) and
``speaker``. Unknown fields are kept and ignored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterable

from gru_asr.packaging.package import atomic_write_bytes


class ManifestError(Exception):
    """A manifest line is not valid JSON or lacks a required field."""


REQUIRED = ("audio", "duration")


def read_manifest(path: str | Path, resolve_paths: bool = True) -> list[dict[str, Any]]:
    path = Path(path)
    if not path.is_file():
        raise ManifestError(f"{path}: manifest not found")
    root = path.parent
    entries, seen = [], set()
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except json.JSONDecodeError as err:
                raise ManifestError(f"{path}:{lineno}: not valid JSON ({err.msg})") from None
            if not isinstance(entry, dict):
                raise ManifestError(f"{path}:{lineno}: each line must be a JSON object")
            missing = [k for k in REQUIRED if k not in entry]
            if missing:
                raise ManifestError(f"{path}:{lineno}: missing field(s) {', '.join(missing)}")
            try:
                entry["duration"] = float(entry["duration"])
                entry["offset"] = float(entry.get("offset", 0.0))
            except (TypeError, ValueError):
                raise ManifestError(f"{path}:{lineno}: duration and offset must be numbers") from None
            entry["text"] = str(entry.get("text", ""))
            entry.setdefault("id", Path(str(entry["audio"])).stem if "audio" in entry else str(lineno))
            entry["id"] = str(entry["id"])
            if entry["id"] in seen:
                entry["id"] = f"{entry['id']}#{lineno}"
            seen.add(entry["id"])
            if resolve_paths and not os.path.isabs(str(entry["audio"])):
                entry["audio"] = str(root / str(entry["audio"]))
            entries.append(entry)
    return entries


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
        if not e.get("offset"):
            e.pop("offset", None)
        lines.append(json.dumps(e, ensure_ascii=False))
    atomic_write_bytes(path, ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8"))
    return path
