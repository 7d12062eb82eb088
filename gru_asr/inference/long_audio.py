"""Long recordings in bounded memory: overlapping chunks stitched at word boundaries.

The file is read chunk by chunk (soundfile seeks; nothing holds the whole
recording). Each chunk of ``chunk`` seconds overlaps its neighbours by
``overlap`` seconds; a word is kept from the chunk in which its midpoint lies
in the chunk's own, non-shared part, so no word is dropped or duplicated at a
seam and every timestamp is in file time.
"""

from __future__ import annotations

from dataclasses import replace

from gru_asr.audio import audio_info, load_audio
from gru_asr.inference.core import WordTiming


def chunk_spans(duration: float, chunk: float, overlap: float) -> list[tuple[float, float, float, float]]:
    """``(read_start, read_end, keep_start, keep_end)`` per chunk, in seconds."""
    if chunk <= 2 * overlap:
        raise ValueError("chunk must be longer than twice the overlap")
    step = chunk - overlap
    spans, start = [], 0.0
    while True:
        end = min(start + chunk, duration)
        keep_start = 0.0 if start == 0 else start + overlap / 2
        last = end >= duration
        keep_end = duration + 1.0 if last else end - overlap / 2
        spans.append((start, end, keep_start, keep_end))
        if last:
            return spans
        start += step


def transcribe_long(model, path: str, chunk: float = 30.0, overlap: float = 4.0, batch_size: int = 4) -> tuple[list[WordTiming], float]:
    """Words (file time) and the duration of a long file, decoded chunk by chunk."""
    info = audio_info(path)
    duration = info.duration
    words: list[WordTiming] = []
    spans = chunk_spans(duration, chunk, overlap)
    for i in range(0, len(spans), batch_size):
        group = spans[i : i + batch_size]
        wavs = [load_audio(path, model.sample_rate, offset=s, duration=e - s) for s, e, _, _ in group]
        for (s, _, ks, ke), nbest in zip(group, model.decode_waveforms(wavs, batch_size=batch_size)):
            for w in nbest[0].words:
                mid = s + (w.start + w.end) / 2
                if ks <= mid < ke:
                    words.append(replace(w, start=round(s + w.start, 3), end=round(s + w.end, 3)))
        del wavs
    return words, duration


def stitch_text(words: list[WordTiming]) -> str:
    return " ".join(w.word for w in words)
