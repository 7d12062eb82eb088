"""Corpus evaluation: WER/CER with the model's own text normalization, per-utterance
results, and the real-time factor."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from gru_asr.audio import AudioError, load_audio
from gru_asr.data.manifest import read_manifest
from gru_asr.inference.api import Model
from gru_asr.metrics import ErrorCounts, count_errors


@dataclass
class EvaluationReport:
    counts: ErrorCounts
    utterances: list[dict] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    audio_seconds: float = 0.0
    compute_seconds: float = 0.0
    decoder: str = "greedy"

    @property
    def rtf(self) -> float:
        return self.compute_seconds / max(self.audio_seconds, 1e-9)

    def summary(self) -> dict:
        c = self.counts
        return {
            "decoder": self.decoder,
            "utterances": c.utterances,
            "ref_words": c.ref_words,
            "wer": round(100 * c.wer, 2),
            "cer": round(100 * c.cer, 2),
            "substitutions": c.substitutions,
            "deletions": c.deletions,
            "insertions": c.insertions,
            "skipped": len(self.skipped),
            "audio_hours": round(self.audio_seconds / 3600, 4),
            "rtf": round(self.rtf, 4),
        }

    def table(self) -> str:
        s = self.summary()
        rows = [("decoder", s["decoder"]), ("utterances", s["utterances"]), ("words", s["ref_words"]),
                ("WER %", f"{s['wer']:.2f}"), ("CER %", f"{s['cer']:.2f}"),
                ("sub / del / ins", f"{s['substitutions']} / {s['deletions']} / {s['insertions']}"),
                ("skipped", s["skipped"]), ("RTF", f"{s['rtf']:.4f}")]
        width = max(len(k) for k, _ in rows)
        return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)

    def write(self, out_dir: str | Path) -> None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "results.json").write_text(json.dumps(self.summary() | {"skipped_ids": self.skipped}, indent=2))
        with open(out / "utterances.jsonl", "w") as f:
            for u in self.utterances:
                f.write(json.dumps(u) + "\n")


def evaluate_manifest(model: Model, manifest: str | Path, batch_size: int = 16) -> EvaluationReport:
    entries = read_manifest(manifest)
    norm = model.model.normalizer
    skipped: dict[str, str] = {}
    wavs, kept = [], []
    for e in entries:
        ref = norm(e.get("text", ""))
        if not ref:
            skipped[e["id"]] = "empty transcript"
            continue
        try:
            dur = e["duration"] if e.get("offset") else None
            wavs.append(load_audio(e["audio"], model.sample_rate, offset=e.get("offset", 0.0), duration=dur))
            kept.append((e, ref))
        except AudioError as err:
            skipped[e["id"]] = err.reason
    t0 = time.perf_counter()
    nbests = model.decode_waveforms(wavs, batch_size=batch_size)
    compute = time.perf_counter() - t0
    refs = [ref for _, ref in kept]
    hyps = [nb[0].text for nb in nbests]
    utterances = []
    for (e, ref), hyp in zip(kept, hyps):
        c = count_errors([ref], [hyp])
        utterances.append({"id": e["id"], "ref": ref, "hyp": hyp, "errors": c.word_errors, "words": c.ref_words})
    return EvaluationReport(
        counts=count_errors(refs, hyps),
        utterances=utterances,
        skipped=skipped,
        audio_seconds=sum(w.numel() for w in wavs) / model.sample_rate,
        compute_seconds=compute,
        decoder=type(model.decoder).registered_name,
    )
