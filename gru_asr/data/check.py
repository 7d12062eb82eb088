"""``gru-asr data check``: find what would hurt training before training starts.

Reports, per utterance: missing/unreadable/corrupt audio, duration mismatch
against the manifest, empty transcripts, characters the tokenizer lacks,
utterances too short or too long, and transcripts with more CTC labels than
the model has output frames. Optionally writes a cleaned manifest beside the
original; nothing is ever deleted or overwritten.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from gru_asr.audio import AudioError, audio_info
from gru_asr.data.manifest import read_manifest, write_manifest


@dataclass
class CheckReport:
    total: int = 0
    problems: dict[str, list[str]] = field(default_factory=dict)  # id -> problems
    kinds: Counter = field(default_factory=Counter)

    def add(self, utt_id: str, kind: str, detail: str) -> None:
        self.problems.setdefault(utt_id, []).append(f"{kind}: {detail}")
        self.kinds[kind] += 1

    @property
    def ok(self) -> int:
        return self.total - len(self.problems)


def check_manifest(
    manifest: str | Path,
    normalizer=None,
    tokenizer=None,
    frames_for_samples=None,
    sample_rate: int = 16000,
    min_duration: float = 0.1,
    max_duration: float = 30.0,
    duration_tolerance: float = 0.1,
) -> tuple[CheckReport, list[dict]]:
    """Check every entry; returns the report and the entries that passed."""
    entries = read_manifest(manifest)
    report = CheckReport(total=len(entries))
    good = []
    for e in entries:
        uid = e["id"]
        before = len(report.problems.get(uid, []))
        text = normalizer(e.get("text", "")) if normalizer else e.get("text", "").strip()
        if not text:
            report.add(uid, "empty_transcript", "no text after normalization")
        elif tokenizer is not None and (bad := tokenizer.unknown_chars(text)):
            report.add(uid, "unknown_characters", repr("".join(sorted(bad))))
        dur = e["duration"]
        try:
            info = audio_info(e["audio"])
            segment = e.get("offset") is not None
            actual = info.duration - e["offset"] if segment else info.duration
            if segment:
                if e["offset"] + dur > info.duration + duration_tolerance:
                    report.add(uid, "segment_out_of_range", f"offset+duration {e['offset'] + dur:.2f}s > file {info.duration:.2f}s")
            elif abs(actual - dur) > duration_tolerance:
                report.add(uid, "duration_mismatch", f"manifest {dur:.2f}s, audio {actual:.2f}s")
            if info.num_frames == 0:
                report.add(uid, "zero_length", "no samples")
        except AudioError as err:
            report.add(uid, "unreadable_audio", err.reason)
        if dur < min_duration:
            report.add(uid, "too_short", f"{dur:.2f}s < {min_duration}s")
        elif dur > max_duration:
            report.add(uid, "too_long", f"{dur:.2f}s > {max_duration}s")
        if text and tokenizer is not None and frames_for_samples is not None and not tokenizer.unknown_chars(text):
            ids = tokenizer.encode(text)
            need = len(ids) + sum(a == b for a, b in zip(ids, ids[1:]))
            have = frames_for_samples(int(dur * sample_rate))
            if need > have:
                report.add(uid, "ctc_infeasible", f"{need} labels > {have} output frames")
        if len(report.problems.get(uid, [])) == before:
            good.append(e)
    return report, good


def write_cleaned(manifest: str | Path, good: list[dict]) -> Path:
    """``name.clean.jsonl`` beside ``name.jsonl``; refuses to overwrite anything."""
    manifest = Path(manifest)
    out = manifest.with_name(manifest.stem + ".clean.jsonl")
    if out.exists():
        raise FileExistsError(f"{out} exists; remove it first (nothing is overwritten)")
    return write_manifest(out, good)
