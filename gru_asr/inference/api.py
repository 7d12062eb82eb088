"""The PyTorch runtime and the Python API: ``gru_asr.load_model(path).transcribe(paths)``."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import torch

from gru_asr.audio import AudioError, load_audio
from gru_asr.decoders import Decoder, Hypothesis, build_decoder
from gru_asr.inference.core import Transcription, length_sorted_batches
from gru_asr.inference.transcriber import Transcriber
from gru_asr.models import CTCModel
from gru_asr.packaging import load_package


class Model(Transcriber):
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
    ) -> list[Transcription]:
        """Transcribe files; results come back in input order (see :class:`Transcriber`).
        Files longer than ``chunk_seconds`` are decoded in overlapping chunks (memory
        bounded by the chunk, not the file); ``progress`` draws a bar on stderr."""
        return super().transcribe(audio, batch_size, progress, group_size, max_batch_seconds=max_batch_seconds,
                                  chunk_seconds=chunk_seconds, overlap_seconds=overlap_seconds)

    def transcribe_group(self, paths: Sequence[str], batch_size: int, max_batch_seconds: float = 600.0,
                         chunk_seconds: float = 60.0, overlap_seconds: float = 4.0) -> list[Transcription]:
        from gru_asr.audio import audio_info
        from gru_asr.inference.long_audio import stitch_text, transcribe_long

        results = [Transcription(audio=p) for p in paths]
        loaded: list[tuple[int, torch.Tensor]] = []
        for i, p in enumerate(paths):
            try:
                if audio_info(p).duration > chunk_seconds:
                    words, dur = transcribe_long(self, p, chunk_seconds, overlap_seconds)
                    results[i].words, results[i].duration = words, round(dur, 3)
                    results[i].text = stitch_text(words)
                    continue
                wav = load_audio(p, self.sample_rate)
                results[i].duration = round(wav.numel() / self.sample_rate, 3)
                loaded.append((i, wav))
            except AudioError as err:
                results[i].error = err.reason
        hyps = self.decode_waveforms([w for _, w in loaded], batch_size, max_batch_seconds)
        for (i, _), nbest in zip(loaded, hyps):
            best = nbest[0]
            results[i].text, results[i].words, results[i].score = best.text, best.words, best.score
        return results

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
        """n-best lists for 1-D waveforms, in input order."""
        out: list[list[Hypothesis]] = [[] for _ in waveforms]
        lengths = [w.numel() for w in waveforms]
        for batch in length_sorted_batches(lengths, self.sample_rate, batch_size, max_batch_seconds):
            log_probs, lens = self.log_probs([waveforms[i] for i in batch])
            for i, nbest in zip(batch, self.decoder.decode(log_probs, lens)):
                out[i] = nbest
        return out
