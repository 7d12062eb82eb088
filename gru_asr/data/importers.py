"""Convert other manifest formats to gru_asr JSONL manifests.

* NeMo JSONL: ``audio_filepath``, ``duration``, ``text`` (optional ``offset``).
* Kaldi data directory: ``wav.scp`` (``utt path`` lines; piped commands are not
  supported: no code from a data file is run), ``text``, optional ``utt2spk``,
  optional ``segments`` (``seg rec start end``). As Kaldi's ``validate_data_dir.sh``
  has it, ``text`` is required and must hold a line for every utterance: a data dir
  without transcripts cannot be trained on, so it is refused rather than imported
  with empty transcripts.

Anything malformed, and a source without a single utterance, raises
:class:`~gru_asr.data.manifest.ManifestError` naming the file and line.
"""

from __future__ import annotations

import json
from pathlib import Path

from gru_asr.audio import AudioError, audio_info
from gru_asr.data.manifest import ManifestError, check_audio_path, read_text_lines, seconds


def from_nemo(path: str | Path) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise ManifestError(f"{path}: NeMo manifest not found")
    out = []
    for lineno, line in enumerate(read_text_lines(path, "NeMo manifest"), 1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            e = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as err:
            raise ManifestError(f"{where}: not a NeMo manifest line ({str(err)[:100]})") from None
        if not isinstance(e, dict) or "audio_filepath" not in e or "duration" not in e:
            raise ManifestError(f"{where}: not a NeMo manifest line (needs audio_filepath and duration)")
        audio = e["audio_filepath"]
        check_audio_path(audio, where)
        text = e.get("text")
        entry = {"id": str(e.get("id") or Path(audio).stem), "audio": audio,
                 "duration": seconds(e["duration"], "duration", where), "text": "" if text is None else str(text)}
        if e.get("offset") is not None:
            entry["offset"] = seconds(e["offset"], "offset", where)
        if not Path(audio).is_absolute():
            entry["audio"] = str(path.parent / audio)
        out.append(entry)
    if not out:
        raise ManifestError(f"{path}: the NeMo manifest holds no utterances")
    return out


def _table(path: Path) -> dict[str, str]:
    """A Kaldi table: ``key value...`` per line, separated by spaces or tabs."""
    table = {}
    if not path.is_file():
        return table
    for line in read_text_lines(path, "Kaldi table"):
        fields = line.strip().split(maxsplit=1)
        if fields:
            table[fields[0]] = fields[1].strip() if len(fields) > 1 else ""
    return table


def kaldi_files(data_dir: str | Path) -> list[Path]:
    """The files of a Kaldi data dir that :func:`from_kaldi` reads."""
    d = Path(data_dir)
    return [d / name for name in ("wav.scp", "text", "utt2spk", "segments")]


def from_kaldi(data_dir: str | Path) -> list[dict]:
    d = Path(data_dir)
    if not d.is_dir():
        raise ManifestError(f"{d}: not a Kaldi data directory")
    if not (d / "wav.scp").is_file():
        raise ManifestError(f"{d}: no wav.scp (not a Kaldi data directory)")
    wav_scp = _table(d / "wav.scp")
    if not wav_scp:
        raise ManifestError(f"{d}/wav.scp: no recordings listed")
    if not (d / "text").is_file():
        raise ManifestError(f"{d}: no text file (the transcripts); a Kaldi data dir without them cannot be trained on")
    for rec, value in wav_scp.items():
        if value.endswith("|"):
            raise ManifestError(f"{d}/wav.scp: {rec} is a piped command; convert the audio to files first")
        check_audio_path(value, f"{d}/wav.scp: {rec}")
    texts = _table(d / "text")
    spk = _table(d / "utt2spk")
    segments = _table(d / "segments")
    utterances = list(segments or wav_scp)
    untranscribed = [u for u in utterances if u not in texts]
    if untranscribed:
        shown = ", ".join(untranscribed[:5]) + (f", ... {len(untranscribed) - 5} more" if len(untranscribed) > 5 else "")
        raise ManifestError(
            f"{d}/text: no transcript for {len(untranscribed)} of {len(utterances)} utterances ({shown}); "
            "remove them from the data dir (Kaldi's utils/fix_data_dir.sh) or add their text"
        )
    out = []
    if segments:
        for seg, value in segments.items():
            fields = value.split()
            if len(fields) != 3:
                raise ManifestError(f"{d}/segments: {seg}: expected 'segment recording start end'")
            rec, start, end = fields
            if rec not in wav_scp:
                raise ManifestError(f"{d}/segments: {seg} names unknown recording {rec}")
            where = f"{d}/segments: {seg}"
            start_s, end_s = seconds(start, "start", where), seconds(end, "end", where)
            if end_s < start_s:
                raise ManifestError(f"{where}: ends ({end_s}) before it starts ({start_s})")
            entry = {"id": seg, "audio": wav_scp[rec], "offset": start_s, "duration": round(end_s - start_s, 3), "text": texts[seg]}
            if seg in spk:
                entry["speaker"] = spk[seg]
            out.append(entry)
    else:
        for utt, audio in wav_scp.items():
            try:
                dur = round(audio_info(audio).duration, 3)
            except AudioError as err:
                raise ManifestError(f"{d}/wav.scp: {utt}: {err.reason}") from None
            entry = {"id": utt, "audio": audio, "duration": dur, "text": texts[utt]}
            if utt in spk:
                entry["speaker"] = spk[utt]
            out.append(entry)
    return out
