"""Expand what the user names on the command line into a list of audio paths."""

from __future__ import annotations

import glob
import sys
from pathlib import Path

from gru_asr.audio.io import supported_extensions


def expand_inputs(items: list[str], recursive: bool = True, errors: list[str] | None = None) -> list[str]:
    """Files stay as given (even if missing: the error is reported per file);
    folders expand to the audio files inside (recursively, sorted); glob
    patterns expand; ``*.jsonl`` manifests expand to their audio paths; ``-``
    reads one path per line from standard input.

    A manifest that cannot be read raises :class:`~gru_asr.data.manifest.ManifestError`;
    with an ``errors`` list it is appended there instead (``PATH: reason``, as are an
    empty manifest and a folder without audio files), so that a caller can report it
    and still process the other inputs."""
    out: list[str] = []
    exts = set(supported_extensions())
    for item in items:
        if item == "-":
            out.extend(line.strip() for line in sys.stdin if line.strip())
            continue
        p = Path(item)
        if p.is_dir():
            pattern = "**/*" if recursive else "*"
            found = [str(f) for f in sorted(p.glob(pattern)) if f.is_file() and f.suffix.lower() in exts]
            if not found and errors is not None:
                errors.append(f"{item}: no audio files in the folder")
            out.extend(found)
        elif p.suffix == ".jsonl" and p.is_file():
            from gru_asr.data import read_manifest
            from gru_asr.data.manifest import ManifestError

            try:
                entries = read_manifest(p)
            except ManifestError as err:
                if errors is None:
                    raise
                errors.append(str(err))
                continue
            if not entries and errors is not None:
                errors.append(f"{item}: no utterances in the manifest")
            out.extend(e["audio"] for e in entries)
        elif any(c in item for c in "*?[") and not p.exists():
            matches = sorted(glob.glob(item, recursive=True))
            out.extend(matches if matches else [item])
        else:
            out.append(item)
    return out


def transcribe_inputs(args) -> tuple[list[str], int]:
    """``gru-asr transcribe``'s inputs (every runtime): the audio paths, and the number of
    inputs that failed already (a broken or empty manifest, a folder without audio; each
    reported as ``error: PATH: reason``). With ``--output-dir`` the output files are
    checked before anything is transcribed (:func:`~gru_asr.inference.formats.check_output_dir`).
    With ``--stream --raw`` the one input ``-`` is a PCM stream on stdin, not a list of paths."""
    if getattr(args, "stream", False) and getattr(args, "raw", False):
        return ["-"], 0
    errors: list[str] = []
    paths = expand_inputs(args.audio, errors=errors)
    if getattr(args, "output_dir", None) and paths:
        from gru_asr.inference.formats import check_output_dir

        check_output_dir(paths, args.format, args.output_dir, getattr(args, "overwrite", False))
    for err in errors:
        print(f"error: {err}", file=sys.stderr)
    if not paths and not errors:
        print("error: no audio files found in the given inputs", file=sys.stderr)
        return paths, 1
    return paths, len(errors)
