"""``gru-asr data check``: find what would hurt training before training starts.

Reports, per utterance: missing/unreadable/corrupt audio, duration mismatch
against the manifest, empty transcripts, characters the tokenizer lacks,
utterances too short or too long, transcripts with more CTC labels than
the model has output frames, and ids used by an earlier line. A manifest without
utterances is an error. Optionally writes a cleaned manifest beside the
original; nothing is ever deleted or overwritten.

"Too short" and "too long" are what training skips: by default the limits are
``data.min_duration`` and ``data.max_duration`` of the training config (the default
``data`` group of ``conf/train.yaml``, or a run's saved ``config.yaml``), read from
that file so the two can never disagree.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from gru_asr.audio import AudioError, audio_info
from gru_asr.data.config import DataConfig
from gru_asr.data.manifest import ManifestError, read_manifest, read_text_lines, write_manifest
from gru_asr.schemas import ConfigError


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


def training_duration_limits(config: str | Path | None = None) -> tuple[float, float]:
    """``(data.min_duration, data.max_duration)`` as training applies them.

    ``config``: a training config YAML (a run's ``exp_dir/config.yaml``, or the output of
    ``gru-asr train ... --cfg job``); None: the default ``data`` group of ``conf/train.yaml``
    (``conf/data/synth.yaml``). A key that is absent takes training's default (:class:`DataConfig`).
    """
    import yaml

    from gru_asr.config_location import config_dir

    if config is not None:
        path = Path(config)
        data = _yaml_mapping(path, yaml).get("data")
    else:
        conf = config_dir()
        defaults = _yaml_mapping(conf / "train.yaml", yaml).get("defaults") or []
        group = next((d["data"] for d in defaults if isinstance(d, dict) and isinstance(d.get("data"), str)), None)
        if group is None:
            raise ManifestError(f"{conf / 'train.yaml'}: no default data group in its defaults list")
        path = conf / "data" / f"{group}.yaml"
        data = _yaml_mapping(path, yaml)
    if not isinstance(data, dict):
        raise ManifestError(f"{path}: no data section (not a training config)")
    try:
        limits = DataConfig.of({k: data[k] for k in ("min_duration", "max_duration") if k in data})
    except ConfigError as err:
        raise ManifestError(f"{path}: {err}") from None
    return limits.min_duration, limits.max_duration


def _yaml_mapping(path: Path, yaml) -> dict:
    try:
        loaded = yaml.safe_load("".join(read_text_lines(path, "training config")))
    except yaml.YAMLError as err:
        raise ManifestError(f"{path}: not valid YAML ({str(err).splitlines()[0]})") from None
    if not isinstance(loaded, dict):
        raise ManifestError(f"{path}: not a training config (expected a YAML mapping)")
    return loaded


def _line_numbers(manifest: Path) -> list[int]:
    """The line number of each entry :func:`read_manifest` returns (it skips blank lines only)."""
    return [n for n, line in enumerate(read_text_lines(manifest, "manifest"), 1) if line.strip()]


def check_manifest(
    manifest: str | Path,
    normalizer=None,
    tokenizer=None,
    frames_for_samples=None,
    sample_rate: int = 16000,
    min_duration: float | None = None,
    max_duration: float | None = None,
    duration_tolerance: float = 0.1,
) -> tuple[CheckReport, list[dict]]:
    """Check every entry; returns the report and the entries that passed.

    ``min_duration``/``max_duration`` None: training's (:func:`training_duration_limits`).
    A manifest without utterances raises :class:`ManifestError`.
    """
    if min_duration is None or max_duration is None:
        lo, hi = training_duration_limits()
        min_duration = lo if min_duration is None else min_duration
        max_duration = hi if max_duration is None else max_duration
    entries = read_manifest(manifest)
    if not entries:
        raise ManifestError(f"{manifest}: the manifest holds no utterances")
    report = CheckReport(total=len(entries))
    good = []
    seen_ids: set[str] = set()
    for e, lineno in zip(entries, _line_numbers(Path(manifest))):
        uid = e["id"]
        before = len(report.problems.get(uid, []))
        # read_manifest keeps a repeated id apart as "ID#LINE"; training would read both.
        suffix = f"#{lineno}"
        if uid.endswith(suffix) and uid[: -len(suffix)] in seen_ids:
            report.add(uid, "duplicate_id", f"line {lineno} repeats the id {uid[: -len(suffix)]!r} of an earlier line")
        seen_ids.add(uid)
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
