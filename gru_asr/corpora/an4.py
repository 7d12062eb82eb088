"""CMU AN4 (census): ``etc/an4_{train,test}.transcription`` lines ``<s> TEXT </s> (utt-id)``,
audio in ``wav/an4_clstk/<spk>/<utt>.wav`` and ``wav/an4test_clstk/<spk>/<utt>.wav``
(``.sph`` NIST SPHERE files are read as well).

AN4 has no dev set: a speaker-disjoint dev split is carved from the training
speakers (``dev_speakers`` of them, chosen by a seeded draw).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

from gru_asr.corpora.common import with_durations, write_splits

_LINE = re.compile(r"^\s*(?:<s>)?\s*(?P<text>.*?)\s*(?:</s>)?\s*\((?P<id>[^()]+)\)\s*$")


def read_transcription(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        m = _LINE.match(line)
        if m:
            out[m.group("id")] = m.group("text").strip()
    return out


def _audio_for(root: Path, wav_dir: str, utt: str) -> Path | None:
    # utt ids look like an251-fash-b: speaker is the middle field
    parts = utt.split("-")
    spk = parts[1] if len(parts) >= 3 else ""
    for ext in (".wav", ".sph", ".flac"):
        p = root / "wav" / wav_dir / spk / f"{utt}{ext}"
        if p.is_file():
            return p
    return None


def _entries(root: Path, part: str, wav_dir: str) -> tuple[list[dict], list[tuple[str, str]]]:
    trans = root / "etc" / f"an4_{part}.transcription"
    if not trans.is_file():
        return [], []
    entries, missing = [], []
    for utt, text in read_transcription(trans).items():
        audio = _audio_for(root, wav_dir, utt)
        if audio is None:
            missing.append((utt, "audio file not found"))
            continue
        entries.append({"id": utt, "audio": str(audio), "text": text, "speaker": utt.split("-")[1]})
    good, bad = with_durations(entries)
    return good, missing + bad


def prepare_an4(root: str | Path, out_dir: str | Path, dev_speakers: int = 8, seed: int = 0) -> dict[str, Path]:
    root = Path(root)
    if not (root / "etc" / "an4_train.transcription").is_file():
        raise FileNotFoundError(f"{root}: not an AN4 folder (no etc/an4_train.transcription)")
    train, problems = _entries(root, "train", "an4_clstk")
    test, test_problems = _entries(root, "test", "an4test_clstk")
    speakers = sorted({e["speaker"] for e in train})
    dev_set = set(random.Random(seed).sample(speakers, min(dev_speakers, max(len(speakers) - 1, 0))))
    splits = {
        "train": [e for e in train if e["speaker"] not in dev_set],
        "dev": [e for e in train if e["speaker"] in dev_set],
        "test": test,
    }
    return write_splits(out_dir, splits)
