"""The Python API for transcription: ``gru_asr.load_model(path).transcribe(paths)``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import torch

from gru_asr.audio import AudioError, load_audio
from gru_asr.decoders import Decoder, Hypothesis, WordTiming, build_decoder
from gru_asr.models import CTCModel
from gru_asr.packaging import load_package


@dataclass
class TranscriptionResult:
    audio: str  # the path as given
    text: str = ""
    duration: float = 0.0
    words: list[WordTiming] = field(default_factory=list)
    score: float = 0.0
    error: str | None = None  # set when the file could not be read; text is then ""

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self) -> dict:
        d = asdict(self)
        if d["error"] is None:
            d.pop("error")
        return d


class Model:
    """A packaged model ready for inference: front-end, encoder, head and decoder."""

    def __init__(self, model: CTCModel, device: str | torch.device = "cpu", decoder: str | dict | None = None):
        self.model = model.to(device).eval()
        self.device = torch.device(device)
        self.decoder = self.make_decoder(decoder)

    @classmethod
    def load(cls, path: str | Path, device: str = "cpu", decoder: str | dict | None = None) -> "Model":
        return cls(load_package(path, device=device), device=device, decoder=decoder)

    @property
    def sample_rate(self) -> int:
        return self.model.sample_rate

    def make_decoder(self, decoder: str | dict | None) -> Decoder:
        cfg = decoder if decoder is not None else self.model.config.get("decoder", {"name": "greedy"})
        return build_decoder(cfg, self.model.tokenizer, self.model.frame_shift)

    @torch.inference_mode()
    def log_probs(self, waveforms: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """Batch of 1-D waveforms -> (log_probs (B, T, V), lengths (B,))."""
        lens = torch.tensor([w.numel() for w in waveforms])
        batch = torch.zeros(len(waveforms), int(lens.max()))
        for i, w in enumerate(waveforms):
            batch[i, : w.numel()] = w
        log_probs, out_lens = self.model(batch.to(self.device), lens.to(self.device))
        return log_probs.cpu(), out_lens.cpu()

    def transcribe(
        self,
        audio: str | Path | Iterable[str | Path],
        batch_size: int = 16,
        max_batch_seconds: float = 600.0,
        chunk_seconds: float = 60.0,
        overlap_seconds: float = 4.0,
        progress: bool = False,
        group_size: int = 256,
    ) -> list[TranscriptionResult]:
        """Transcribe files; results come back in input order. Files that cannot be
        read get a result with ``error`` set instead of stopping the others.
        Files longer than ``chunk_seconds`` are decoded in overlapping chunks
        (memory bounded by the chunk, not the file). Files are read ``group_size``
        at a time, so memory is bounded by a group, not by the whole list;
        ``progress`` draws a bar on stderr."""
        paths = [audio] if isinstance(audio, (str, Path)) else list(audio)
        results = [TranscriptionResult(audio=str(p)) for p in paths]
        bar = progress_bar(len(paths), enabled=progress)
        try:
            for start in range(0, len(paths), max(1, group_size)):
                group = range(start, min(start + max(1, group_size), len(paths)))
                self._transcribe_group(paths, results, group, batch_size, max_batch_seconds,
                                       chunk_seconds, overlap_seconds, bar)
        finally:
            bar.close()
        return results

    def _transcribe_group(self, paths, results, group, batch_size, max_batch_seconds, chunk_seconds,
                          overlap_seconds, bar) -> None:
        from gru_asr.audio import audio_info
        from gru_asr.inference.long_audio import stitch_text, transcribe_long

        loaded: list[tuple[int, torch.Tensor]] = []
        for i in group:
            p = paths[i]
            try:
                if audio_info(p).duration > chunk_seconds:
                    words, dur = transcribe_long(self, str(p), chunk_seconds, overlap_seconds)
                    results[i].words, results[i].duration = words, round(dur, 3)
                    results[i].text = stitch_text(words)
                    bar.update(1)
                    continue
                wav = load_audio(p, self.sample_rate)
                results[i].duration = round(wav.numel() / self.sample_rate, 3)
                loaded.append((i, wav))
            except AudioError as err:
                results[i].error = err.reason
                bar.update(1)
        hyps = self.decode_waveforms([w for _, w in loaded], batch_size, max_batch_seconds)
        for (i, _), nbest in zip(loaded, hyps):
            best = nbest[0]
            results[i].text, results[i].words, results[i].score = best.text, best.words, best.score
        bar.update(len(loaded))

    def stream(self):
        """A :class:`~gru_asr.inference.streaming.StreamingTranscriber` for one live
        stream (unidirectional models only; greedy decoding): ``accept_waveform(chunk)``
        gives partial results, ``finalize()`` the final one."""
        from gru_asr.inference.streaming import StreamingTranscriber

        return StreamingTranscriber(self.model, self.device)

    def transcribe_stream(self, chunks: Iterable):
        """Generator over a stream of sample chunks (model sample rate): one
        ``PartialResult`` per chunk, then a ``FinalResult`` whose text equals the
        offline greedy transcript of the concatenated audio."""
        from gru_asr.inference.streaming import transcribe_stream

        return transcribe_stream(self.model, chunks, self.device)

    def decode_waveforms(
        self, waveforms: Sequence[torch.Tensor], batch_size: int = 16, max_batch_seconds: float = 600.0
    ) -> list[list[Hypothesis]]:
        """n-best lists for 1-D waveforms, in input order. Batches are formed from
        length-sorted inputs so that little compute goes into padding."""
        order = sorted(range(len(waveforms)), key=lambda i: waveforms[i].numel())
        out: list[list[Hypothesis]] = [[] for _ in waveforms]
        batch: list[int] = []

        def flush() -> None:
            log_probs, lens = self.log_probs([waveforms[i] for i in batch])
            for i, nbest in zip(batch, self.decoder.decode(log_probs, lens)):
                out[i] = nbest

        for i in order:
            # Sorted ascending, so the newcomer is the longest in the batch.
            padded = waveforms[i].numel() / self.sample_rate * (len(batch) + 1)
            if batch and (len(batch) >= batch_size or padded > max_batch_seconds):
                flush()
                batch = []
            batch.append(i)
        if batch:
            flush()
        return out


def progress_bar(total: int, enabled: bool):
    """A tqdm bar over files on stderr (a no-op object when disabled)."""
    import sys

    from tqdm import tqdm

    return tqdm(total=total, unit="file", disable=not enabled, file=sys.stderr, dynamic_ncols=True)
