import pytest
import torch

from gru_asr.decoders import WordTiming
from gru_asr.inference.long_audio import chunk_spans


def test_chunk_spans_cover_the_file_and_own_regions_do_not_overlap():
    spans = chunk_spans(100.0, chunk=30.0, overlap=4.0)
    assert spans[0][0] == 0.0 and spans[-1][1] == 100.0
    owned = [(ks, min(ke, 100.0)) for _, _, ks, ke in spans]
    assert owned[0][0] == 0.0 and owned[-1][1] == 100.0
    for (a0, a1), (b0, b1) in zip(owned, owned[1:]):
        assert a1 == b0  # contiguous, no gap and no overlap
    for s, e, ks, ke in spans:
        assert s <= ks and min(ke, 100.0) <= e
    with pytest.raises(ValueError):
        chunk_spans(10.0, chunk=4.0, overlap=2.0)


def test_stitching_keeps_every_word_once():
    """Words placed on a timeline are recovered exactly once whatever the chunking."""
    from gru_asr.inference.long_audio import transcribe_long

    timeline = [WordTiming(f"w{i}", i * 0.7 + 0.1, i * 0.7 + 0.5, 1.0) for i in range(200)]  # 140 s

    class FakeModel:
        sample_rate = 100

        def decode_waveforms(self, wavs, batch_size=4):
            out = []
            for w in wavs:
                start = float(w[0])  # each fake waveform encodes its own start time
                dur = w.numel() / self.sample_rate
                words = [WordTiming(t.word, t.start - start, t.end - start, 1.0) for t in timeline
                         if t.start >= start and t.end <= start + dur]
                out.append([type("H", (), {"words": words})()])
            return out

    import gru_asr.inference.long_audio as la

    def fake_load(path, sr, offset, duration):
        return torch.full((int(round(duration * sr)),), offset)

    orig_load, orig_info = la.load_audio, la.audio_info
    la.load_audio = fake_load
    la.audio_info = lambda p: type("I", (), {"duration": 140.0})()
    try:
        words, dur = transcribe_long(FakeModel(), "x", chunk=20.0, overlap=3.0)
    finally:
        la.load_audio, la.audio_info = orig_load, orig_info
    assert [w.word for w in words] == [t.word for t in timeline]
    assert all(abs(w.start - t.start) < 1e-6 for w, t in zip(words, timeline))


class ToneWordModel:
    """A stand-in acoustic model for real audio: word ``k`` is a tone at
    ``300 + 100 k`` Hz (on an FFT bin of the 10 ms frames). It reads the actual samples of each chunk, so the test
    exercises the file reading, seeking and stitching of the real code path."""

    sample_rate = 16000
    frame = 0.01

    def decode_waveforms(self, wavs, batch_size=4):
        hop = int(self.frame * self.sample_rate)
        out = []
        for w in wavs:
            n = w.numel() // hop
            frames = w[: n * hop].view(n, hop)
            spec = torch.fft.rfft(frames * torch.hann_window(hop), dim=1).abs()
            voiced = frames.pow(2).mean(1) > 1e-3
            freq = spec.argmax(1).float() * self.sample_rate / hop
            ids = torch.where(voiced, torch.round((freq - 300) / 100).long(), torch.full_like(voiced, -1, dtype=torch.long))
            ids = ids.tolist() + [-1]
            words, start = [], None
            for t in range(n + 1):
                cur, prev = ids[t], (ids[t - 1] if t > 0 else -1)
                if cur != prev:
                    if prev >= 0 and t - start >= 3:  # edge frames of a tone leak into other bins
                        words.append(WordTiming(f"w{prev}", start * self.frame, t * self.frame, 1.0))
                    start = t
            out.append([type("H", (), {"words": words})()])
        return out


def test_ten_minute_file_of_known_words_is_stitched_exactly(tmp_path):
    import random

    import soundfile as sf

    from gru_asr.inference.long_audio import transcribe_long

    sr, rng = 16000, random.Random(0)
    pieces, truth, t = [], [], 0.0
    while t < 600.0:
        gap, dur, k = rng.uniform(0.05, 0.4), rng.choice([0.2, 0.3, 0.5, 0.7]), rng.randrange(40)
        pieces.append(torch.zeros(int(gap * sr)))
        tone = 0.3 * torch.sin(2 * torch.pi * (300 + 100 * k) * torch.arange(int(dur * sr)) / sr)
        pieces.append(tone)
        truth.append((f"w{k}", t + gap))
        t += gap + dur
    wav = torch.cat(pieces + [torch.zeros(sr)])
    path = tmp_path / "long.wav"
    sf.write(path, wav.numpy(), sr, subtype="PCM_16")
    words, duration = transcribe_long(ToneWordModel(), str(path), chunk=30.0, overlap=4.0)
    assert duration > 600.0
    assert len(truth) > 800
    assert [w.word for w in words] == [w for w, _ in truth]  # every word once, in order
    assert max(abs(w.start - s) for w, (_, s) in zip(words, truth)) <= 0.05  # file time (chunk-local times would be off by >= 26 s)
