from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from gru_asr.audio import AudioError, audio_info
from gru_asr.data import write_manifest

log = logging.getLogger(__name__)


def with_durations(entries: list[dict], workers: int = 8) -> tuple[list[dict], list[tuple[str, str]]]:
    """Fill ``duration`` from audio headers (threads: I/O bound); unreadable
    files are returned separately with the reason instead of stopping."""

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
    for uid, reason in bad:
        log.warning("skipping %s: %s", uid, reason)
    return good, bad


def write_splits(out_dir: str | Path, splits: dict[str, list[dict]]) -> dict[str, Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return {name: write_manifest(out / f"{name}.jsonl", entries) for name, entries in splits.items() if entries}
