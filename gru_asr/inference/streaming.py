"""Streaming transcription for unidirectional models.

Audio arrives in chunks of any size; each chunk yields the log-prob frames it
completes and a partial transcript, and ``finalize`` flushes the rest. The
concatenated log-probs equal the offline ones for the whole stream (tested to
1e-4), so the final greedy text equals the offline greedy text. Carried from one
chunk to the next, and bounded however long the stream:

* the waveform samples the next feature frame still needs (fewer than one
  window; the front-end uses ``center=False``, so a frame reads only its own
  ``n_fft`` samples and chunked extraction is exact);
* the encoder's state (:class:`gru_asr.encoders.StreamingEncoder`): conv
  subsampling context, GRU/LSTM hidden states, the look-ahead's future frames;
* the greedy CTC collapse state (the previous frame's label), so a token that
  spans a chunk boundary is emitted once.

Bidirectional encoders, per-utterance feature normalization and decoders other
than greedy need the whole utterance and are refused with the reason.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator, Sequence

import numpy as np
import soundfile as sf
import torch

from gru_asr.encoders import StreamingNotSupportedError, require_streaming
from gru_asr.frontends import Frontend
from gru_asr.inference.core import GreedyCTC, Transcription, WordTiming
from gru_asr.inference.transcriber import Transcriber
from gru_asr.models import CTCModel


@dataclass
class PartialResult:
    """The transcript so far. With greedy decoding it only ever grows."""

    text: str
    audio_seconds: float  # audio received so far
    decoded_seconds: float  # audio covered by the log-prob frames decoded so far
    is_final: bool = False


@dataclass
class FinalResult:
    """The transcript of the whole stream, as the offline greedy decoder gives it."""

    text: str
    duration: float  # seconds of audio in the stream
    words: list[WordTiming] = field(default_factory=list)
    score: float = 0.0
    tokens: list[int] = field(default_factory=list)
    is_final: bool = True


class StreamingFeatures:
    """Chunked feature extraction that gives exactly the offline frames.

    Frame ``k`` reads samples ``[k * hop, k * hop + n_fft)``; samples not yet
    consumed by an emitted frame wait in ``pending`` (fewer than ``n_fft``).
    """

    def __init__(self, frontend: Frontend):
        frame_length, hop = getattr(frontend, "n_fft", None), getattr(frontend, "hop", None)
        if not (isinstance(frame_length, int) and isinstance(hop, int)):
            raise StreamingNotSupportedError(
                f"front-end {type(frontend).__name__} does not expose its framing (integer attributes "
                "n_fft = samples per frame and hop = samples between frames)"
            )
        if getattr(frontend, "normalize", "none") == "utterance":
            raise StreamingNotSupportedError(
                "the front-end normalizes each utterance with its own mean and variance, which are "
                "only known at the end of the stream; train with frontend.normalize=global to stream"
            )
        self.frontend = frontend
        self.frame_length, self.hop = frame_length, hop
        self.pending = torch.zeros(0)
        self.frames_emitted = 0
        self.samples_seen = 0

    def accept(self, samples: torch.Tensor, final: bool = False) -> torch.Tensor:
        """Normalized feature frames (1, t, F) completed by ``samples`` (1-D)."""
        buf = torch.cat([self.pending.to(samples.device), samples])
        self.samples_seen += samples.numel()
        n = (buf.numel() - self.frame_length) // self.hop + 1 if buf.numel() >= self.frame_length else 0
        if n == 0 and final and self.frames_emitted == 0 and buf.numel() > 0:
            # Offline, audio shorter than one window is zero-padded to one frame.
            feats, _ = self.frontend(buf.unsqueeze(0), torch.tensor([buf.numel()], device=buf.device))
            self.frames_emitted, self.pending = 1, buf[:0]
            return feats
        if n == 0:
            self.pending = buf
            return buf.new_zeros(1, 0, self.frontend.feature_dim)
        used = (n - 1) * self.hop + self.frame_length
        feats, _ = self.frontend(buf[:used].unsqueeze(0), torch.tensor([used], device=buf.device))
        self.frames_emitted += n
        self.pending = buf[n * self.hop :].clone()  # clone: do not keep the whole chunk alive
        return feats


class StreamingTranscriber:
    """One stream at a time: ``accept_waveform(chunk)`` -> :class:`PartialResult`,
    ``finalize()`` -> :class:`FinalResult`; then ``reset()`` for the next stream.

    Chunks are mono samples at the model's sample rate: 1-D float arrays or tensors
    in [-1, 1] (int16 arrays are scaled; 2-D ``(samples, channels)`` is downmixed).
    """

    def __init__(self, model: CTCModel, device: str | torch.device | None = None):
        self.model = model.eval()
        self.device = torch.device(device) if device is not None else next(model.parameters()).device
        self.encoder = require_streaming(model.encoder)
        StreamingFeatures(model.frontend)  # refuse unstreamable front-ends now, not at the first chunk
        self.reset()

    @property
    def sample_rate(self) -> int:
        return self.model.sample_rate

    def reset(self) -> None:
        """Forget the current stream and start a new one."""
        self.features = StreamingFeatures(self.model.frontend)
        self.encoder_state: Any = self.encoder.initial_state()
        self.decoder = GreedyCTC(self.model.tokenizer, self.model.frame_shift)
        self.finished = False

    @torch.inference_mode()
    def advance(self, chunk: Any, final: bool = False) -> torch.Tensor:
        """Log-prob frames (t, V) completed by ``chunk`` (all remaining ones when
        ``final``). Over a stream they concatenate to the offline log-probs."""
        if self.finished:
            raise ValueError("this stream was finalized; call reset() to start a new one")
        samples = as_samples(chunk).to(self.device)
        feats = self.features.accept(samples, final=final)
        states, self.encoder_state = self.encoder.forward_chunk(feats, self.encoder_state, final=final)
        self.finished = final
        if states.size(1) == 0:
            return states.new_zeros(0, self.model.tokenizer.vocab_size)
        return self.model.head(states)[0].cpu()

    def accept_waveform(self, chunk: Any) -> PartialResult:
        self.decoder.accept(self.advance(chunk).float().numpy())
        return PartialResult(self.decoder.text, self.audio_seconds, self.decoder.frame * self.model.frame_shift)

    def finalize(self) -> FinalResult:
        """Flush the frames that waited for right context and return the final result."""
        d = self.decoder.accept(self.advance(torch.zeros(0), final=True).float().numpy())
        return FinalResult(d.text, round(self.audio_seconds, 3), d.words(), d.score, list(d.tokens))

    @property
    def audio_seconds(self) -> float:
        return self.features.samples_seen / self.sample_rate

    def carried_elements(self) -> int:
        """Tensor elements carried between chunks (waveform, features, encoder state);
        bounded by the model's geometry, not by the stream's length."""
        return self.features.pending.numel() + _numel(self.encoder_state)


def transcribe_stream(
    model: CTCModel, chunks: Iterable[Any], device: str | torch.device | None = None
) -> Iterator[PartialResult | FinalResult]:
    """One :class:`PartialResult` per chunk, then one :class:`FinalResult`."""
    streamer = StreamingTranscriber(model, device)
    for chunk in chunks:
        yield streamer.accept_waveform(chunk)
    yield streamer.finalize()


class StreamingRuntime(Transcriber):
    """The streaming runtime behind the one :class:`Transcriber` interface: each file is
    fed to a :class:`StreamingTranscriber` in chunks of ``chunk_seconds``, as a live
    stream would arrive, and its final result is the offline greedy one. With
    ``raw_stdin`` the input ``-`` is raw 16-bit PCM on standard input. With
    ``show_partials`` each partial transcript that grew is printed on stderr."""

    def __init__(self, model: CTCModel, device: str | torch.device | None = None, chunk_seconds: float = 0.32,
                 raw_stdin: bool = False, show_partials: bool = False):
        self.streamer = StreamingTranscriber(model, device)
        self.chunk_seconds = chunk_seconds
        self.raw_stdin = raw_stdin
        self.show_partials = show_partials

    @property
    def sample_rate(self) -> int:
        return self.streamer.sample_rate

    def iter_transcribe(self, paths: Sequence[str | Path], batch_size: int = 16, progress: bool = False,
                        group_size: int = 256, **options) -> Iterator[Transcription]:
        # The partial lines are this runtime's progress (a bar drawn between them would break
        # them up), and each file's result is written as soon as its stream ends (groups of one).
        return super().iter_transcribe(paths, batch_size, progress=False, group_size=1, **options)

    def transcribe_group(self, paths: Sequence[str], batch_size: int) -> list[Transcription]:
        # One stream at a time, so batch_size does not apply.
        return [self.transcribe_one(path) for path in paths]

    def transcribe_one(self, path: str) -> Transcription:
        from gru_asr.audio import AudioError

        if self.raw_stdin and path == "-":
            chunks = iter_raw_pcm(sys.stdin.buffer, self.sample_rate, self.chunk_seconds)
        else:
            chunks = iter_file_chunks(path, self.sample_rate, self.chunk_seconds)
        self.streamer.reset()
        shown = ""
        try:
            for chunk in chunks:
                partial = self.streamer.accept_waveform(chunk)
                if self.show_partials and partial.text != shown:  # greedy partials only grow: print when they do
                    shown = partial.text
                    print(f"partial: {path} [{partial.audio_seconds:.2f} s]: {shown}", file=sys.stderr, flush=True)
        except AudioError as err:
            return Transcription(audio=path, error=err.reason)
        final = self.streamer.finalize()
        return Transcription(audio=path, text=final.text, duration=final.duration, words=final.words, score=final.score)


def iter_file_chunks(path: str | Path, sample_rate: int, chunk_seconds: float) -> Iterator[torch.Tensor]:
    """A file as a simulated stream: mono float32 chunks of ``chunk_seconds`` at
    ``sample_rate``, read block by block (the same samples ``load_audio`` gives).
    Files at another sample rate are resampled whole first, then chunked."""
    from gru_asr.audio import AudioError, audio_info, load_audio

    info = audio_info(path)  # AudioError for missing, empty or unreadable files
    if info.sample_rate != sample_rate:
        wav = load_audio(path, sample_rate)
        step = max(1, int(round(chunk_seconds * sample_rate)))
        yield from wav.split(step)
        return
    step = max(1, int(round(chunk_seconds * info.sample_rate)))
    seen = 0
    with sf.SoundFile(str(path)) as f:
        for block in f.blocks(blocksize=step, dtype="float32", always_2d=True):
            data = block[:, 0] if block.shape[1] == 1 else block.mean(axis=1)
            if not np.isfinite(data).all():
                raise AudioError(path, "contains NaN or infinite samples")
            seen += data.shape[0]
            yield torch.from_numpy(np.ascontiguousarray(data, dtype=np.float32))
    if seen == 0:
        raise AudioError(path, "contains no audio samples")


def iter_raw_pcm(stream: BinaryIO, sample_rate: int, chunk_seconds: float) -> Iterator[torch.Tensor]:
    """Raw 16-bit little-endian mono PCM from a binary stream (e.g. stdin), in chunks
    of ``chunk_seconds``; a trailing odd byte is dropped."""
    nbytes = 2 * max(1, int(round(chunk_seconds * sample_rate)))
    carry = b""
    while True:
        data = stream.read(nbytes)
        if not data:
            return
        data = carry + data
        even = len(data) - len(data) % 2
        carry = data[even:]
        if even:
            yield as_samples(data[:even])


def as_samples(chunk: Any) -> torch.Tensor:
    """A chunk as a 1-D float32 tensor: int16 PCM is scaled to [-1, 1) and
    ``(samples, channels)`` is averaged to mono."""
    if isinstance(chunk, (bytes, bytearray, memoryview)):
        chunk = np.frombuffer(chunk, dtype="<i2")
    if isinstance(chunk, np.ndarray):
        if chunk.dtype == np.int16:
            chunk = chunk.astype(np.float32) / 32768.0
        chunk = torch.from_numpy(np.ascontiguousarray(chunk, dtype=np.float32))
    x = torch.as_tensor(chunk, dtype=torch.float32)
    if x.dim() == 2:
        x = x.mean(dim=1)
    if x.dim() != 1:
        raise ValueError(f"a chunk must be 1-D samples or (samples, channels), not shape {tuple(x.shape)}")
    return x


def _numel(state: Any) -> int:
    if isinstance(state, torch.Tensor):
        return state.numel()
    if isinstance(state, (list, tuple)):
        return sum(_numel(s) for s in state)
    if isinstance(state, dict):
        return sum(_numel(s) for s in state.values())
    if hasattr(state, "__dataclass_fields__"):
        return sum(_numel(getattr(state, f)) for f in state.__dataclass_fields__)
    return 0
