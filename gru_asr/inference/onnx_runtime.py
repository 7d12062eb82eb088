"""The ONNX runtime: an exported ``.onnx`` model run with onnxruntime, numpy and
soundfile only, no torch, behind the same :class:`~gru_asr.inference.transcriber.Transcriber`
interface as the PyTorch runtime.

Everything decoding needs travels in the ONNX file's ``metadata_props`` (written by
:func:`gru_asr.export.onnx_export.export_onnx`): the sample rate, the seconds per output
frame and the vocabulary (each label's text, which labels are word separators and which
start a word). Decoding, word timings and batching are the torch-free core's
(:mod:`gru_asr.inference.core`) and audio reading is :func:`gru_asr.audio.read_audio`;
the PyTorch runtime shares both, so the results equal the PyTorch greedy path's. Without torch installed::

    python -m gru_asr.inference.onnx_runtime model.onnx a.wav b.flac [--format jsonl]
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from gru_asr.audio.io import AudioError, read_audio
from gru_asr.inference.core import GreedyCTC, Transcription, length_sorted_batches
from gru_asr.inference.transcriber import Transcriber

# metadata_props keys; the exporter imports these names, so both sides agree.
META_FORMAT = "gru_asr.format"
META_FORMAT_VALUE = "gru_asr.ctc_export"
META_FORMAT_VERSION = "gru_asr.format_version"
META_SAMPLE_RATE = "gru_asr.sample_rate"
META_FRAME_SHIFT = "gru_asr.frame_shift"
META_BLANK_ID = "gru_asr.blank_id"
META_TOKENS = "gru_asr.tokens"  # JSON list: the text of each label id (blank: "")
META_SPACE_IDS = "gru_asr.space_ids"  # JSON list: labels that separate words
META_WORD_START_IDS = "gru_asr.word_start_ids"  # JSON list: labels that begin a new word
META_CONFIG = "gru_asr.config"  # the model config (provenance; not needed to decode)
META_VERSION = "gru_asr.version"
FORMAT_VERSION = 1

INPUT_NAMES = ("waveforms", "lengths")
OUTPUT_NAMES = ("log_probs", "out_lengths")


class OnnxModelError(Exception):
    """The file is not an ONNX model exported by gru_asr (or onnxruntime cannot load it)."""


@dataclass
class Vocabulary:
    """Label ids -> text, the way the model's tokenizer decodes them; the
    :class:`~gru_asr.inference.core.Labels` that decoding and word timings need."""

    tokens: list[str]
    space_ids: frozenset[int]
    word_start_ids: frozenset[int]
    blank_id: int = 0

    def decode(self, ids: Sequence[int]) -> str:
        return "".join(self.tokens[i] for i in ids if 0 < i < len(self.tokens)).strip()

    def is_space(self, token_id: int) -> bool:
        return token_id in self.space_ids

    def word_boundary(self, token_id: int) -> bool:
        return token_id in self.word_start_ids

    def to_metadata(self) -> dict[str, str]:
        return {
            META_TOKENS: json.dumps(self.tokens, ensure_ascii=False),
            META_SPACE_IDS: json.dumps(sorted(self.space_ids)),
            META_WORD_START_IDS: json.dumps(sorted(self.word_start_ids)),
            META_BLANK_ID: str(self.blank_id),
        }

    @classmethod
    def from_metadata(cls, meta: dict[str, str]) -> "Vocabulary":
        return cls(
            tokens=json.loads(meta[META_TOKENS]),
            space_ids=frozenset(json.loads(meta[META_SPACE_IDS])),
            word_start_ids=frozenset(json.loads(meta[META_WORD_START_IDS])),
            blank_id=int(meta.get(META_BLANK_ID, "0")),
        )


class OnnxModel(Transcriber):
    """An exported model in an onnxruntime session, with greedy decoding. Each file is
    decoded in one piece (no chunking of long recordings)."""

    def __init__(self, path: str | Path, threads: int | None = None):
        try:
            import onnxruntime as ort
        except ImportError:
            raise OnnxModelError("onnxruntime is not installed (pip install onnxruntime)") from None
        path = Path(path)
        if not path.is_file():
            raise OnnxModelError(f"{path}: model file not found")
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        try:
            self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as err:  # noqa: BLE001 - onnxruntime raises its own error types
            raise OnnxModelError(f"{path}: onnxruntime cannot load it ({str(err).strip()[:200]})") from None
        meta = self.session.get_modelmeta().custom_metadata_map
        if meta.get(META_FORMAT) != META_FORMAT_VALUE:
            raise OnnxModelError(f"{path}: not exported by gru_asr (no '{META_FORMAT}' metadata); use `gru-asr export`")
        if int(meta.get(META_FORMAT_VERSION, "0")) > FORMAT_VERSION:
            raise OnnxModelError(f"{path}: export format {meta[META_FORMAT_VERSION]} is newer than this reader ({FORMAT_VERSION})")
        self.metadata = dict(meta)
        self.sample_rate = int(meta[META_SAMPLE_RATE])
        self.frame_shift = float(meta[META_FRAME_SHIFT])
        self.vocab = Vocabulary.from_metadata(meta)

    def log_probs(self, waveforms: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        """Batch of 1-D waveforms -> (log_probs (B, T, V), lengths (B,))."""
        lengths = np.array([w.size for w in waveforms], dtype=np.int64)
        batch = np.zeros((len(waveforms), int(lengths.max())), dtype=np.float32)
        for i, w in enumerate(waveforms):
            batch[i, : w.size] = w
        log_probs, out_lengths = self.session.run(list(OUTPUT_NAMES), {INPUT_NAMES[0]: batch, INPUT_NAMES[1]: lengths})
        return log_probs, out_lengths

    def decode_waveforms(self, waveforms: Sequence[np.ndarray], batch_size: int = 16,
                         max_batch_seconds: float = 600.0) -> list[GreedyCTC]:
        """The greedy decoding of each waveform (``.text``, ``.words()``, ``.score``), in input order."""
        out: list[GreedyCTC] = [GreedyCTC(self.vocab, self.frame_shift) for _ in waveforms]
        lengths = [w.size for w in waveforms]
        for batch in length_sorted_batches(lengths, self.sample_rate, batch_size, max_batch_seconds):
            log_probs, out_lengths = self.log_probs([waveforms[i] for i in batch])
            for row, i in enumerate(batch):
                out[i].accept(log_probs[row, : int(out_lengths[row])])
        return out

    def transcribe_group(self, paths: Sequence[str], batch_size: int,
                         max_batch_seconds: float = 600.0) -> list[Transcription]:
        results = [Transcription(audio=p) for p in paths]
        loaded: list[tuple[int, np.ndarray]] = []
        for i, p in enumerate(paths):
            try:
                wav = read_audio(p, self.sample_rate)
            except AudioError as err:
                results[i].error = err.reason
                continue
            results[i].duration = round(wav.size / self.sample_rate, 3)
            loaded.append((i, wav))
        decoded = self.decode_waveforms([w for _, w in loaded], batch_size, max_batch_seconds)
        for (i, _), greedy in zip(loaded, decoded):
            results[i].text, results[i].words, results[i].score = greedy.text, greedy.words(), greedy.score
        return results


def main(argv: list[str] | None = None) -> int:
    """``python -m gru_asr.inference.onnx_runtime MODEL.onnx AUDIO... [--format FORMAT]``:
    transcription on a machine without torch, printed by the same writer as ``gru-asr transcribe``."""
    import argparse

    from gru_asr.inference.formats import FORMATS, write_transcripts

    p = argparse.ArgumentParser(description="Transcribe audio files with a gru_asr ONNX export (greedy CTC).")
    p.add_argument("model", help="a .onnx file written by `gru-asr export --format onnx`")
    p.add_argument("audio", nargs="+", help="audio files")
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--threads", type=int, default=None, help="onnxruntime intra-op threads (default: all cores)")
    args = p.parse_args(argv)
    try:
        model = OnnxModel(args.model, threads=args.threads)
    except OnnxModelError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    failed = write_transcripts(model.iter_transcribe(args.audio, batch_size=args.batch_size), args.audio, args.format, None)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
