"""Corpus evaluation: WER/CER with the model's own text normalization, per-utterance
results, and the real-time factor."""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import jiwer
from torch.utils.data import DataLoader

from gru_asr.data.dataset import SpeechDataset, collate
from gru_asr.data.manifest import ManifestError, read_manifest
from gru_asr.data.sampler import DurationBatchSampler
from gru_asr.inference.api import Model
from gru_asr.metrics import ErrorCounts, count_errors


RESULT_FILES = ("results.json", "utterances.jsonl", "ref.trn", "hyp.trn")


def check_out_dir(out_dir: str | Path, overwrite: bool = False) -> Path:
    """Refuse an ``--out-dir`` that is a file, or that holds the results of another
    evaluation unless ``overwrite``; raises :class:`gru_asr.cli.errors.UserError`."""
    from gru_asr.cli.errors import UserError

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise UserError(f"{out}: is a file; --out-dir names a folder")
    held = [name for name in RESULT_FILES if (out / name).exists()]
    if held and not overwrite:
        raise UserError(f"{out}: the folder holds an evaluation's results ({held[0]}); pass --overwrite to replace them")
    return out


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

    def confusions(self, top: int = 20) -> list[tuple[str, str, int]]:
        """Most frequent word errors as (reference, hypothesis, count); '' marks
        an insertion (empty reference) or a deletion (empty hypothesis)."""
        counter: Counter = Counter()
        for u in self.utterances:
            for op, ref, hyp in u.get("alignment", []):
                if op != "equal":
                    counter[(ref, hyp)] += 1
        return [(r, h, n) for (r, h), n in counter.most_common(top)]

    def write(self, out_dir: str | Path) -> None:
        """results.json, utterances.jsonl (with alignments), and sclite-style
        ref.trn / hyp.trn (``text (id)`` per line)."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        summary = self.summary() | {"confusions": self.confusions(), "skipped_ids": self.skipped}
        (out / "results.json").write_text(json.dumps(summary, indent=2))
        with open(out / "utterances.jsonl", "w") as f:
            for u in self.utterances:
                f.write(json.dumps(u) + "\n")
        with open(out / "ref.trn", "w") as r, open(out / "hyp.trn", "w") as h:
            for u in self.utterances:
                r.write(f"{u['ref']} ({u['id']})\n")
                h.write(f"{u['hyp']} ({u['id']})\n")


DECODE_BATCH_SECONDS = 600.0  # padded seconds of audio a decoding batch holds at most (as Model.decode_waveforms)


@dataclass
class ScoredBatch:
    """One decoding batch of a manifest: ids, normalized references, waveforms."""

    ids: list[str]
    refs: list[str]
    waveforms: list


def stream_manifest(model: Model, manifest: str | Path, batch_size: int = 16, skipped: dict | None = None):
    """The utterances of ``manifest`` that can be scored, through the data path training
    uses (:class:`SpeechDataset`, duration-sorted batches of at most ``batch_size``):
    memory holds a batch of audio, not the set. Utterances without a transcript or with
    unreadable audio go into ``skipped`` (id -> reason). Shared by evaluation and LM tuning."""
    entries = read_manifest(manifest)
    if not entries:
        raise ManifestError(f"{manifest}: no utterances in the manifest")
    # No tokenizer: a reference keeps characters the model cannot emit (they count as errors).
    dataset = SpeechDataset(entries, model.sample_rate, model.model.normalizer, tokenizer=None)
    sampler = DurationBatchSampler(dataset.durations, DECODE_BATCH_SECONDS, num_buckets=1, shuffle=False, max_batch_size=batch_size)
    skipped = {} if skipped is None else skipped
    skipped.update(dataset.report.skipped)
    for batch in DataLoader(dataset, batch_sampler=sampler, collate_fn=collate):
        skipped.update(batch["skipped"])
        if batch["size"]:
            lengths = batch["audio_lens"].tolist()
            yield ScoredBatch(list(batch["ids"]), list(batch["texts"]), [wav[:n] for wav, n in zip(batch["audio"], lengths)])


def evaluate_manifest(model: Model, manifest: str | Path, batch_size: int = 16) -> EvaluationReport:
    """WER/CER over a manifest, streamed a batch at a time (:func:`stream_manifest`).
    Utterances without a transcript or with unreadable audio are skipped and listed; a
    manifest with nothing to evaluate raises :class:`ManifestError`."""
    entries = read_manifest(manifest)
    if not entries:
        raise ManifestError(f"{manifest}: no utterances in the manifest")
    skipped: dict[str, str] = {}
    decoded: dict[str, tuple[str, str]] = {}  # id -> (reference, hypothesis)
    samples, compute = 0, 0.0
    for batch in stream_manifest(model, manifest, batch_size, skipped):
        t0 = time.perf_counter()
        nbests = model.decode_waveforms(batch.waveforms, batch_size=batch_size)
        compute += time.perf_counter() - t0
        samples += sum(len(w) for w in batch.waveforms)
        decoded.update((utt, (ref, nb[0].text)) for utt, ref, nb in zip(batch.ids, batch.refs, nbests))
    # Reports list utterances in manifest order, whatever order they were decoded in.
    position = {e["id"]: k for k, e in enumerate(entries)}
    skipped = dict(sorted(skipped.items(), key=lambda kv: position[kv[0]]))
    if not decoded:
        first = next(iter(skipped.items()))
        raise ManifestError(f"{manifest}: none of its {len(entries)} utterances can be evaluated "
                            f"(e.g. {first[0]}: {first[1]})")
    kept = sorted(decoded, key=position.__getitem__)
    refs = [decoded[u][0] for u in kept]
    hyps = [decoded[u][1] for u in kept]
    utterances = []
    for utt, ref, hyp in zip(kept, refs, hyps):
        c = count_errors([ref], [hyp])
        utterances.append({"id": utt, "ref": ref, "hyp": hyp, "errors": c.word_errors, "words": c.ref_words,
                           "alignment": word_alignment(ref, hyp)})
    return EvaluationReport(
        counts=count_errors(refs, hyps),
        utterances=utterances,
        skipped=skipped,
        audio_seconds=samples / model.sample_rate,
        compute_seconds=compute,
        decoder=type(model.decoder).registered_name,
    )


def word_alignment(ref: str, hyp: str) -> list[tuple[str, str, str]]:
    """(op, ref words, hyp words) chunks from jiwer's minimum-edit alignment;
    op is equal, substitute, delete or insert."""
    out = jiwer.process_words(ref, hyp)
    r, h = out.references[0], out.hypotheses[0]
    chunks = []
    for a in out.alignments[0]:
        rw, hw = r[a.ref_start_idx : a.ref_end_idx], h[a.hyp_start_idx : a.hyp_end_idx]
        if a.type == "substitute":  # one chunk per word pair, so confusions count words
            chunks.extend(("substitute", x, y) for x, y in zip(rw, hw))
        elif a.type == "delete":
            chunks.extend(("delete", x, "") for x in rw)
        elif a.type == "insert":
            chunks.extend(("insert", "", y) for y in hw)
        else:
            chunks.append(("equal", " ".join(rw), " ".join(hw)))
    return chunks
