"""TED-LIUM release 3: ``TEDLIUM_release-3/legacy/{train,dev,test}/{stm,sph}/`` with
one ``<talk>.stm`` and one ``<talk>.sph`` (16 kHz NIST SPHERE) per talk; the full
training set also lives in ``data/{stm,sph}/`` (``legacy/train`` holds symlinks to it,
which some extractors drop, so ``data/`` is used when ``legacy/train`` is empty).

The "legacy" distribution is prepared: its dev and test talks are those of
TED-LIUM 1 and 2, so results compare with the literature.

STM lines are ``talk channel speaker start end <label> transcript``. A talk is one
long recording, so every segment becomes a manifest entry with ``offset`` and
``duration`` into the talk's ``.sph`` file. Transcripts are cleaned as Kaldi's
TED-LIUM recipe does: segments marked ``ignore_time_segment_in_scoring`` are
dropped, markup tokens (``<unk>``, ``<sil>``, ``{NOISE}``, ``[laughter]``) and
pronunciation-variant suffixes (``word(2)``) are removed, and TED-LIUM's split
contractions are joined back (``it 's`` -> ``it's``).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from gru_asr.audio import AudioError, audio_info
from gru_asr.corpora.common import check_out_dir, manifest_names, write_splits

log = logging.getLogger(__name__)

SPLITS = ("train", "dev", "test")
IGNORE = "ignore_time_segment_in_scoring"
_MARKUP = re.compile(r"^(<[^>]*>|\{[^}]*\}|\[[^\]]*\])$")
_VARIANT = re.compile(r"\(\d+\)$")


@dataclass(frozen=True)
class Segment:
    talk: str
    speaker: str
    start: float
    end: float
    text: str

    @property
    def id(self) -> str:
        # Kaldi-style: sortable by talk, then by time (centiseconds).
        return f"{self.talk}-{round(self.start * 100):07d}-{round(self.end * 100):07d}"


def clean_transcript(text: str) -> str:
    """Spoken words only, contractions joined; empty if nothing is left."""
    tokens = text.split()
    if tokens and tokens[-1].startswith("(") and tokens[-1].endswith(")"):
        tokens = tokens[:-1]  # release-1 style utterance key at the end of the line
    words: list[str] = []
    for tok in tokens:
        if _MARKUP.match(tok):
            continue
        tok = _VARIANT.sub("", tok)
        if not tok:
            continue
        if tok.startswith("'") and words:
            words[-1] += tok  # "it 's" -> "it's", "we 've" -> "we've"
        else:
            words.append(tok)
    return " ".join(words)


def parse_stm_line(line: str) -> Segment | None:
    """One segment, or None for comments, malformed and ignore-in-scoring lines."""
    if not line.strip() or line.startswith(";;"):
        return None
    fields = line.split(None, 6)
    if len(fields) < 6:
        return None
    talk, _channel, speaker, start, end = fields[:5]
    # The label field (<o,f0,male>, <NA>) is optional in the STM format.
    if fields[5].startswith("<") and fields[5].endswith(">"):
        transcript = fields[6] if len(fields) > 6 else ""
    else:
        transcript = " ".join(fields[5:])
    if transcript.strip() == IGNORE:
        return None
    try:
        t0, t1 = float(start), float(end)
    except ValueError:
        return None
    text = clean_transcript(transcript)
    if not text or t1 <= t0:
        return None
    return Segment(talk, speaker, t0, t1, text)


def read_stm(path: str | Path) -> list[Segment]:
    segments = []
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        seg = parse_stm_line(line)
        if seg is not None:
            segments.append(seg)
    return segments


def _base(root: Path) -> Path:
    return root / "TEDLIUM_release-3" if (root / "TEDLIUM_release-3").is_dir() else root


def _split_dir(base: Path, split: str) -> Path | None:
    legacy = base / "legacy" / split
    if any((legacy / "stm").glob("*.stm")):
        return legacy
    if split == "train" and any((base / "data" / "stm").glob("*.stm")):
        return base / "data"
    return None


def _talk_entries(stm: Path, sph_dir: Path) -> tuple[list[dict], str | None]:
    """Manifest entries for one talk, or the reason the talk was skipped."""
    segments = read_stm(stm)
    if not segments:
        return [], None
    sph = sph_dir / f"{stm.stem}.sph"
    try:
        length = audio_info(sph).duration
    except AudioError as err:
        return [], err.reason
    entries = []
    for seg in segments:
        start = seg.start
        end = min(seg.end, length)  # alignments can overshoot the recording slightly
        if end - start <= 0:
            continue
        entries.append({
            "id": seg.id, "audio": str(sph), "offset": round(start, 3), "duration": round(end - start, 3),
            "text": seg.text, "speaker": seg.speaker,
        })
    return entries, None


def prepare_tedlium3(
    root: str | Path, out_dir: str | Path, splits: list[str] | None = None, overwrite: bool = False
) -> dict[str, Path]:
    base = _base(Path(root))
    dirs = {s: d for s in (splits or SPLITS) if (d := _split_dir(base, s)) is not None}
    if not dirs:
        raise FileNotFoundError(f"{root}: no TED-LIUM 3 stm files (legacy/{{train,dev,test}}/stm or data/stm)")
    check_out_dir(out_dir, manifest_names(dirs), overwrite)
    held_out = {p.stem for s in ("dev", "test") if (d := _split_dir(base, s)) for p in (d / "stm").glob("*.stm")}
    prepared: dict[str, list[dict]] = {}
    for split, d in dirs.items():
        entries = []
        for stm in sorted((d / "stm").glob("*.stm")):
            if split == "train" and stm.stem in held_out:
                continue  # never train on a dev/test talk, whatever folder it came from
            talk, problem = _talk_entries(stm, d / "sph")
            if problem:
                log.warning("skipping talk %s: %s", stm.stem, problem)
            entries.extend(talk)
        prepared[split] = entries
    return write_splits(out_dir, prepared, overwrite=overwrite, source=base)
