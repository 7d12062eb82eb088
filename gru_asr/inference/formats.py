"""Output formats for transcripts: text, jsonl, srt, vtt, ctm; the one writer every
runtime's results go through. Torch-free, like :mod:`gru_asr.inference.core`."""

from __future__ import annotations

import json
from pathlib import Path

from gru_asr.inference.core import Transcription

FORMATS = ("text", "jsonl", "srt", "vtt", "ctm")
EXTENSIONS = {"text": ".txt", "jsonl": ".jsonl", "srt": ".srt", "vtt": ".vtt", "ctm": ".ctm"}


def _clock(seconds: float, sep: str) -> str:
    ms = int(round(max(seconds, 0.0) * 1000))
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def subtitle_cues(result: Transcription, max_words: int = 12, max_seconds: float = 6.0, max_gap: float = 1.0):
    """Group words into cues: break on long pauses, many words or long cues."""
    cues, cur = [], []
    for w in result.words:
        if cur and (len(cur) >= max_words or w.end - cur[0].start > max_seconds or w.start - cur[-1].end > max_gap):
            cues.append(cur)
            cur = []
        cur.append(w)
    if cur:
        cues.append(cur)
    if not cues and result.text:  # no word timings: one cue over the whole file
        return [(0.0, result.duration, result.text)]
    return [(c[0].start, c[-1].end, " ".join(w.word for w in c)) for c in cues]


def format_result(result: Transcription, fmt: str, single: bool = True) -> str:
    if fmt == "text":
        return result.text if single else f"{result.audio}\t{result.text}"
    if fmt == "jsonl":
        return json.dumps(result.to_dict(), ensure_ascii=False)
    if fmt == "srt":
        blocks = [f"{i}\n{_clock(s, ',')} --> {_clock(e, ',')}\n{t}\n" for i, (s, e, t) in enumerate(subtitle_cues(result), 1)]
        return "\n".join(blocks)
    if fmt == "vtt":
        blocks = [f"{_clock(s, '.')} --> {_clock(e, '.')}\n{t}\n" for s, e, t in subtitle_cues(result)]
        return "WEBVTT\n\n" + "\n".join(blocks)
    if fmt == "ctm":
        # NIST CTM: <file> <channel> <start> <duration> <word> <confidence>
        name = Path(result.audio).stem
        return "\n".join(f"{name} 1 {w.start:.3f} {max(w.end - w.start, 0.0):.3f} {w.word} {w.confidence:.4f}" for w in result.words)
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")


def output_files(paths: list[str], fmt: str, output_dir: str | Path) -> list[Path]:
    """The file ``--output-dir`` gets for each input: ``output_dir/<stem><ext>``."""
    return [Path(output_dir) / (Path(p).stem + EXTENSIONS[fmt]) for p in paths]


def check_output_dir(paths: list[str], fmt: str, output_dir: str | Path, overwrite: bool = False) -> None:
    """Before anything is transcribed: refuse an ``--output-dir`` that is a file, two
    inputs that would write the same file, and (unless ``overwrite``) files that exist.
    Raises :class:`gru_asr.cli.errors.UserError` naming the file."""
    from gru_asr.cli.errors import UserError

    out_dir = Path(output_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"{out_dir}: is a file; --output-dir names a folder")
    owner: dict[Path, str] = {}
    for path, target in zip(paths, output_files(paths, fmt, out_dir)):
        if target in owner and owner[target] != path:
            raise UserError(f"{target}: both {owner[target]} and {path} would be written to this file; "
                            f"transcribe them into different --output-dir folders")
        owner[target] = path
        if target.exists() and not overwrite:
            raise UserError(f"{target}: the file exists; pass --overwrite to replace it")


def write_transcripts(results, paths: list[str], fmt: str, output_dir: str | None) -> int:
    """The output side of ``gru-asr transcribe`` whatever the runtime (and of
    ``python -m gru_asr.inference.onnx_runtime``): each result printed, or written to
    ``output_dir/<stem><ext>``; failures reported on stderr. Returns the number of inputs
    that failed."""
    import sys

    out_dir = Path(output_dir) if output_dir else None
    if out_dir:
        out_dir.mkdir(parents=True, exist_ok=True)
    failed = 0
    for res in results:
        if not res.ok:
            failed += 1
            print(f"error: {res.audio}: {res.error}", file=sys.stderr)
            continue
        # A file per input holds that input's text alone; on stdout several inputs need the path.
        text = format_result(res, fmt, single=out_dir is not None or len(paths) == 1)
        if out_dir:
            (output_files([res.audio], fmt, out_dir)[0]).write_text(text + "\n", encoding="utf-8")
        else:
            print(text, flush=True)
    return failed
