"""Transcription with an exported ``.onnx`` model and nothing but onnxruntime,
numpy and soundfile: no torch, no torchaudio.

Everything decoding needs travels in the ONNX file's ``metadata_props``
(written by :func:`gru_asr.export.onnx_export.export_onnx`): the sample rate,
the seconds per output frame and the vocabulary (each label's text, which
labels are word separators and which start a word). Greedy CTC decoding here
reproduces :class:`gru_asr.decoders.greedy.GreedyDecoder`, word timings and
confidences included, and resampling reproduces torchaudio's sinc resampler
(``gru_asr.audio.load_audio``), so the results equal the PyTorch path's.

This file imports nothing from ``gru_asr`` on purpose: it can be copied next
to a model and run on a machine without torch::

    python onnx_runtime.py model.onnx a.wav b.flac [--format jsonl]

(``gru-asr transcribe --runtime onnx`` uses it too, but the ``gru_asr`` package
itself imports torch when it registers its built-in components.)
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import soundfile as sf

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


class AudioReadError(Exception):
    """An input file could not be read as audio; ``reason`` says why."""

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@dataclass
class Word:
    word: str
    start: float
    end: float
    confidence: float


@dataclass
class Transcription:
    """Same fields, ``ok`` and ``to_dict`` as :class:`gru_asr.inference.TranscriptionResult`,
    so ``gru_asr.inference.formats.format_result`` prints it in every format."""

    audio: str
    text: str = ""
    duration: float = 0.0
    words: list[Word] = field(default_factory=list)
    score: float = 0.0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict:
        d = asdict(self)
        if d["error"] is None:
            d.pop("error")
        return d


@dataclass
class Vocabulary:
    """Label ids -> text, the way the model's tokenizer decodes them."""

    tokens: list[str]
    space_ids: frozenset[int]
    word_start_ids: frozenset[int]
    blank_id: int = 0

    def decode(self, ids: Sequence[int]) -> str:
        return "".join(self.tokens[i] for i in ids if 0 < i < len(self.tokens)).strip()

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


def greedy_decode(log_probs: np.ndarray, length: int, vocab: Vocabulary, frame_shift: float) -> tuple[str, list[Word], float]:
    """Best path of one utterance's ``(T, V)`` log-probs: repeats merged, blanks
    removed; words timed by the frames that emitted their labels (as
    ``gru_asr.decoders.greedy``): start at the first label's frame, end one frame
    after the last, confidence the geometric mean of the labels' probabilities."""
    lp = log_probs[:length]
    best = lp.argmax(axis=-1)
    best_lp = lp[np.arange(length), best] if length else np.zeros(0, dtype=np.float32)
    tokens, frames, probs = [], [], []
    prev = vocab.blank_id
    for t, tok in enumerate(best.tolist()):
        if tok != prev and tok != vocab.blank_id:
            tokens.append(tok)
            frames.append(t)
            probs.append(float(np.exp(best_lp[t])))
        prev = tok
    return vocab.decode(tokens), _words(tokens, frames, probs, vocab, frame_shift), float(best_lp.sum())


def _words(tokens: list[int], frames: list[int], probs: list[float], vocab: Vocabulary, frame_shift: float) -> list[Word]:
    words: list[Word] = []
    cur: list[tuple[int, int, float]] = []

    def flush() -> None:
        text = vocab.decode([tok for tok, _, _ in cur]).strip() if cur else ""
        if text:
            # float32 like the torch decoder, so rounding to 4 digits agrees
            logs = np.log(np.maximum(np.array([p for _, _, p in cur], dtype=np.float32), np.float32(1e-10)))
            conf = float(np.exp(logs.mean(dtype=np.float32)))
            start, end = cur[0][1] * frame_shift, (cur[-1][1] + 1) * frame_shift
            words.append(Word(text, round(start, 3), round(end, 3), round(conf, 4)))
        cur.clear()

    for tok, fr, p in zip(tokens, frames, probs):
        if tok in vocab.space_ids:
            flush()
            continue
        if tok in vocab.word_start_ids:
            flush()
        cur.append((tok, fr, p))
    flush()
    return words


def read_audio(path: str | Path, sample_rate: int) -> np.ndarray:
    """Mono float32 samples at ``sample_rate``, as ``gru_asr.audio.load_audio``
    reads them: channels averaged, other rates resampled."""
    p = Path(path)
    if not p.exists():
        raise AudioReadError(p, "file not found")
    if p.is_dir():
        raise AudioReadError(p, "is a directory, not an audio file")
    if p.stat().st_size == 0:
        raise AudioReadError(p, "file is empty (0 bytes)")
    try:
        data, sr = sf.read(str(p), dtype="float32", always_2d=True)
    except Exception as err:  # noqa: BLE001 - libsndfile raises several types
        lines = str(err).strip().splitlines()
        raise AudioReadError(p, f"not a readable audio file ({lines[-1] if lines else type(err).__name__})") from None
    data = data[:, 0] if data.shape[1] == 1 else data.mean(axis=1)
    if data.size == 0:
        raise AudioReadError(p, "contains no audio samples")
    if not np.isfinite(data).all():
        raise AudioReadError(p, "contains NaN or infinite samples")
    return resample(np.ascontiguousarray(data, dtype=np.float32), sr, sample_rate)


def resample(wav: np.ndarray, orig_sr: int, new_sr: int, lowpass_filter_width: int = 6, rolloff: float = 0.99) -> np.ndarray:
    """Band-limited sinc resampling with a Hann-windowed kernel: the algorithm and
    defaults of ``torchaudio.functional.resample``, in numpy."""
    if orig_sr == new_sr:
        return wav
    g = math.gcd(orig_sr, new_sr)
    orig, new = orig_sr // g, new_sr // g
    base = min(orig, new) * rolloff
    width = math.ceil(lowpass_filter_width * orig / base)
    # kernel[j, k]: weight of input sample (n * orig - width + k) for output n * new + j
    idx = np.arange(-width, width + orig, dtype=np.float32)[None, :] / np.float32(orig)
    t = (np.arange(0, -new, -1, dtype=np.float32)[:, None] / np.float32(new) + idx) * np.float32(base)
    t = np.clip(t, -lowpass_filter_width, lowpass_filter_width)
    window = np.cos(t * np.float32(math.pi / lowpass_filter_width / 2)) ** 2
    t = t * np.float32(math.pi)
    with np.errstate(invalid="ignore", divide="ignore"):
        kernel = np.where(t == 0, np.float32(1.0), np.sin(t) / t)
    kernel = (kernel * window * np.float32(base / orig)).astype(np.float32)
    padded = np.pad(wav, (width, width + orig))
    frames = np.lib.stride_tricks.sliding_window_view(padded, kernel.shape[1])[::orig]
    out = (frames @ kernel.T).reshape(-1)
    return np.ascontiguousarray(out[: math.ceil(new * wav.size / orig)], dtype=np.float32)


class OnnxModel:
    """An exported model in an onnxruntime session, with greedy decoding."""

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

    def decode_waveforms(
        self, waveforms: Sequence[np.ndarray], batch_size: int = 16, max_batch_seconds: float = 600.0
    ) -> list[tuple[str, list[Word], float]]:
        """``(text, words, score)`` per waveform, in input order; batches are formed
        from length-sorted inputs (as ``gru_asr.inference.Model.decode_waveforms``)."""
        order = sorted(range(len(waveforms)), key=lambda i: waveforms[i].size)
        out: list[tuple[str, list[Word], float]] = [("", [], 0.0)] * len(waveforms)
        batch: list[int] = []

        def flush() -> None:
            log_probs, lengths = self.log_probs([waveforms[i] for i in batch])
            for row, i in enumerate(batch):
                out[i] = greedy_decode(log_probs[row], int(lengths[row]), self.vocab, self.frame_shift)

        for i in order:
            padded = waveforms[i].size / self.sample_rate * (len(batch) + 1)
            if batch and (len(batch) >= batch_size or padded > max_batch_seconds):
                flush()
                batch = []
            batch.append(i)
        if batch:
            flush()
        return out

    def transcribe(self, audio: str | Path | Iterable[str | Path], batch_size: int = 16,
                   max_batch_seconds: float = 600.0) -> list[Transcription]:
        """Transcribe files (each decoded whole); results in input order. A file
        that cannot be read gets ``error`` set instead of stopping the others."""
        paths = [audio] if isinstance(audio, (str, Path)) else list(audio)
        results = [Transcription(audio=str(p)) for p in paths]
        loaded: list[tuple[int, np.ndarray]] = []
        for i, p in enumerate(paths):
            try:
                wav = read_audio(p, self.sample_rate)
            except AudioReadError as err:
                results[i].error = err.reason
                continue
            results[i].duration = round(wav.size / self.sample_rate, 3)
            loaded.append((i, wav))
        decoded = self.decode_waveforms([w for _, w in loaded], batch_size, max_batch_seconds)
        for (i, _), (text, words, score) in zip(loaded, decoded):
            results[i].text, results[i].words, results[i].score = text, words, score
        return results


def main(argv: list[str] | None = None) -> int:
    """Standalone use: ``python onnx_runtime.py MODEL.onnx AUDIO... [--format text|jsonl]``."""
    import argparse

    p = argparse.ArgumentParser(description="Transcribe audio files with a gru_asr ONNX export (greedy CTC).")
    p.add_argument("model", help="a .onnx file written by `gru-asr export --format onnx`")
    p.add_argument("audio", nargs="+", help="audio files")
    p.add_argument("--format", choices=["text", "jsonl"], default="text")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--threads", type=int, default=None, help="onnxruntime intra-op threads (default: all cores)")
    args = p.parse_args(argv)
    try:
        model = OnnxModel(args.model, threads=args.threads)
    except OnnxModelError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    failed = 0
    for res in model.transcribe(args.audio, batch_size=args.batch_size):
        if not res.ok:
            failed += 1
            print(f"error: {res.audio}: {res.error}", file=sys.stderr)
        elif args.format == "jsonl":
            print(json.dumps(res.to_dict(), ensure_ascii=False), flush=True)
        else:
            print(res.text if len(args.audio) == 1 else f"{res.audio}\t{res.text}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
