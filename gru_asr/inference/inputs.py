"""Expand what the user names on the command line into a list of audio paths."""

from __future__ import annotations

import glob
import sys
from pathlib import Path

from gru_asr.audio.io import supported_extensions


def expand_inputs(items: list[str], recursive: bool = True) -> list[str]:
    """Files stay as given (even if missing: the error is reported per file);
    folders expand to the audio files inside (recursively, sorted); glob
    patterns expand; ``*.jsonl`` manifests expand to their audio paths; ``-``
    reads one path per line from standard input."""
    out: list[str] = []
    exts = set(supported_extensions())
    for item in items:
        if item == "-":
            out.extend(line.strip() for line in sys.stdin if line.strip())
            continue
        p = Path(item)
        if p.is_dir():
            pattern = "**/*" if recursive else "*"
            out.extend(str(f) for f in sorted(p.glob(pattern)) if f.is_file() and f.suffix.lower() in exts)
        elif p.suffix == ".jsonl" and p.is_file():
            from gru_asr.data import read_manifest

            out.extend(e["audio"] for e in read_manifest(p))
        elif any(c in item for c in "*?[") and not p.exists():
            matches = sorted(glob.glob(item, recursive=True))
            out.extend(matches if matches else [item])
        else:
            out.append(item)
    return out
