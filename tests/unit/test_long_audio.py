import pytest
import torch

from gru_asr.decoders import WordTiming
from gru_asr.inference.long_audio import chunk_spans, energy_segments


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


def test_energy_segments_split_at_pauses():
    sr = 1000
    tone = torch.sin(torch.arange(sr) * 0.3)
    wav = torch.cat([tone, torch.zeros(sr // 2), tone, torch.zeros(sr)])
    segs = energy_segments(wav, sr, min_pause=0.3)
    assert len(segs) == 2
    assert abs(segs[0][0]) < 0.05 and abs(segs[0][1] - 1.0) < 0.05 and abs(segs[1][0] - 1.5) < 0.05
