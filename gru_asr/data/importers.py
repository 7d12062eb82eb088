"""Convert other manifest formats to gru_asr JSONL manifests.

* NeMo JSONL: ``audio_filepath``, ``duration``, ``text`` (optional ``offset``).
* Kaldi data directory: ``wav.scp`` (``utt path`` lines; piped commands are not
  supported: no code from a data file is run), ``text``, optional ``utt2spk``,
  optional ``segments`` (``seg rec start end``).
"""

from __future__ import annotations

import json
from pathlib import Path

from gru_asr.audio import AudioError, audio_info
from gru_asr.data.manifest import ManifestError


def from_nemo(path: str | Path) -> list[dict]:
    path = Path(path)
    out = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                e = json.loads(line)
                audio = e["audio_filepath"]
                entry = {"id": e.get("id") or Path(audio).stem, "audio": audio, "duration": float(e["duration"]), "text": e.get("text", "")}
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
                raise ManifestError(f"{path}:{lineno}: not a NeMo manifest line ({err})") from None
            if e.get("offset"):
                entry["offset"] = float(e["offset"])
            if not Path(audio).is_absolute():
                entry["audio"] = str(path.parent / audio)
            out.append(entry)
    return out


def _table(path: Path) -> dict[str, str]:
    table = {}
    if not path.is_file():
        return table
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        key, _, value = line.strip().partition(" ")
        table[key] = value.strip()
    return table


def from_kaldi(data_dir: str | Path) -> list[dict]:
    d = Path(data_dir)
    wav_scp = _table(d / "wav.scp")
    if not wav_scp:
        raise ManifestError(f"{d}: no wav.scp")
    for rec, value in wav_scp.items():
        if value.endswith("|"):
            raise ManifestError(f"{d}/wav.scp: {rec} is a piped command; convert the audio to files first")
    texts = _table(d / "text")
    spk = _table(d / "utt2spk")
    segments = _table(d / "segments")
    out = []
    if segments:
        for seg, value in segments.items():
            rec, start, end = value.split()
            if rec not in wav_scp:
                raise ManifestError(f"{d}/segments: {seg} names unknown recording {rec}")
            entry = {"id": seg, "audio": wav_scp[rec], "offset": float(start), "duration": round(float(end) - float(start), 3), "text": texts.get(seg, "")}
            if seg in spk:
                entry["speaker"] = spk[seg]
            out.append(entry)
    else:
        for utt, audio in wav_scp.items():
            try:
                dur = round(audio_info(audio).duration, 3)
            except AudioError as err:
                raise ManifestError(f"{d}/wav.scp: {utt}: {err.reason}") from None
            entry = {"id": utt, "audio": audio, "duration": dur, "text": texts.get(utt, "")}
            if utt in spk:
                entry["speaker"] = spk[utt]
            out.append(entry)
    return out
