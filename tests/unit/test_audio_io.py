import numpy as np
import pytest
import soundfile as sf
import torch

from gru_asr.audio import AudioError, audio_info, load_audio, read_audio


def test_load_wav_mono_float(tone_wav):
    wav = load_audio(tone_wav())
    assert wav.dtype == torch.float32 and wav.ndim == 1 and wav.numel() == 16000
    assert 0.25 < wav.abs().max() < 0.35


def test_stereo_is_downmixed(tone_wav):
    wav = load_audio(tone_wav(channels=2))
    # channels are 0.15 and 0.3 amplitude copies: the mean is 0.225
    assert wav.ndim == 1 and abs(float(wav.abs().max()) - 0.225) < 0.01


def test_other_rates_are_resampled(tone_wav):
    wav = load_audio(tone_wav(sr=44100), sample_rate=16000)
    assert abs(wav.numel() - 16000) <= 1
    spec = torch.fft.rfft(wav).abs()
    assert abs(int(spec.argmax()) - 440) <= 2  # 1 s at 16 kHz: bin index == Hz


@pytest.mark.parametrize("fmt,subtype,ext", [("FLAC", "PCM_16", "flac"), ("OGG", "VORBIS", "ogg"), ("MP3", "MPEG_LAYER_III", "mp3")])
def test_compressed_formats(tone_wav, fmt, subtype, ext):
    wav = load_audio(tone_wav(name=f"t.{ext}", fmt=fmt, subtype=subtype))
    assert abs(wav.numel() - 16000) < 2000


def test_segment_equals_slice_of_full_read(tone_wav):
    path = tone_wav(seconds=2.0)
    full = load_audio(path)
    seg = load_audio(path, offset=0.5, duration=0.25)
    assert torch.equal(seg, full[8000:12000])


def test_info(tone_wav):
    info = audio_info(tone_wav(seconds=1.5))
    assert info.sample_rate == 16000 and info.num_frames == 24000 and info.duration == 1.5


def test_missing_empty_and_corrupt_files_raise_audio_error(tmp_path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"this is not audio at all" * 10)
    for path, words in [(tmp_path / "missing.wav", "not found"), (empty, "empty"), (junk, "not a readable")]:
        with pytest.raises(AudioError) as err:
            load_audio(path)
        assert str(path) in str(err.value) and words in str(err.value)


def test_zero_length_audio_raises(tmp_path):
    path = tmp_path / "zero.wav"
    sf.write(path, np.zeros(0, dtype=np.float32), 16000)
    with pytest.raises(AudioError, match="no audio samples"):
        load_audio(path)


@pytest.mark.parametrize("orig_sr,new_sr", [(44100, 16000), (22050, 16000), (8000, 16000), (48000, 16000), (16000, 8000)])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_cached_resampler_equals_functional_resample(orig_sr, new_sr, dtype):
    import math

    import torchaudio.functional as AF

    from gru_asr.audio.resample import resample

    g = math.gcd(orig_sr, new_sr)
    gen = torch.Generator().manual_seed(orig_sr)
    for n in (1, 37, 4410, 30001):
        wav = (0.3 * torch.randn(n, generator=gen)).to(dtype)
        expected = AF.resample(wav, orig_sr // g, new_sr // g)
        got = resample(wav, orig_sr, new_sr)
        assert got.dtype == dtype and torch.equal(got, expected)


def test_load_audio_resamples_like_the_functional_form(tone_wav):
    import torchaudio.functional as AF

    path = tone_wav(sr=44100, seconds=0.7)
    raw = torch.from_numpy(sf.read(path, dtype="float32")[0])
    for _ in range(2):  # the second read uses the cached kernel
        assert torch.equal(load_audio(path, sample_rate=16000), AF.resample(raw, 441, 160))


@pytest.mark.parametrize("sr", [16000, 44100, 8000])
def test_numpy_reader_gives_load_audios_samples(tone_wav, sr):
    path = tone_wav(sr=sr, channels=2, seconds=0.6)
    tensor, array = load_audio(path, 16000, offset=0.1, duration=0.4), read_audio(path, 16000, offset=0.1, duration=0.4)
    assert array.dtype == np.float32 and array.shape == tuple(tensor.shape)
    if sr == 16000:
        assert np.array_equal(array, tensor.numpy())
    else:  # two implementations of one resampler: equal to float32 rounding
        assert np.abs(array - tensor.numpy()).max() < 1e-5


def test_numpy_reader_refuses_what_load_audio_refuses(tmp_path, tone_wav):
    truncated = tmp_path / "cut.wav"
    data = open(tone_wav(seconds=1.0), "rb").read()
    truncated.write_bytes(data[: len(data) // 2])
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    for path in (truncated, empty, tmp_path / "missing.wav", tmp_path):
        with pytest.raises(AudioError) as by_tensor:
            load_audio(path)
        with pytest.raises(AudioError) as by_array:
            read_audio(path)
        assert by_array.value.reason == by_tensor.value.reason
