import pytest
import torch

from gru_asr.augment import SpecAugment
from gru_asr.encoders import build_encoder
from gru_asr.encoders.rnn import reverse_within_lengths
from gru_asr.frontends import LogMelFrontend
from gru_asr.models import CTCModel
from tests.conftest import small_model_config


def test_logmel_shapes_and_padding_is_zero():
    fe = LogMelFrontend(n_mels=40, dither=0.0).eval()
    wavs = torch.randn(2, 16000)
    lens = torch.tensor([16000, 8000])
    feats, flens = fe(wavs, lens)
    assert feats.shape == (2, 97, 40)  # (16000 - n_fft 512) // hop 160 + 1
    assert flens.tolist() == [97, 47]
    assert feats[1, 47:].abs().sum() == 0


def test_logmel_equals_torchaudio_melspectrogram():
    # extract() computes |STFT|^2 itself (re*re + im*im, much faster than
    # complex abs): the features must stay those of torchaudio's MelSpectrogram,
    # or models trained before the change would see different inputs.
    fe = LogMelFrontend(dither=0.0, normalize="none").eval()
    wavs = torch.randn(3, 12000) * 0.1
    feats, flens = fe(wavs, torch.tensor([12000, 12000, 12000]))
    reference = torch.log(fe.mel(wavs) + 1e-6).transpose(1, 2)
    torch.testing.assert_close(feats, reference, atol=1e-4, rtol=1e-5)


def test_mask_above_hz_sets_the_bands_above_the_cutoff_to_the_training_mean():
    wavs = torch.randn(2, 16000) * 0.1
    lens = torch.tensor([16000, 9000])
    plain = LogMelFrontend(dither=0.0).eval()
    masked = LogMelFrontend(dither=0.0, mask_above_hz=6000).eval()
    stats = (torch.randn(80), torch.rand(80) + 0.5)
    plain.set_stats(*stats)
    masked.set_stats(*stats)
    ref, ref_lens = plain(wavs, lens)
    out, out_lens = masked(wavs, lens)
    first = masked.first_masked_band
    # Every band whose filter peaks at or above 6 kHz, and no other, is masked.
    centres = masked.mel.mel_scale.fb.argmax(0).float() * 16000 / masked.n_fft
    assert centres[first - 1] < 6000 <= centres[first]
    assert 0 < first < 80
    assert torch.equal(out_lens, ref_lens)
    assert torch.equal(out[..., :first], ref[..., :first])
    assert out[..., first:].abs().sum() == 0 and ref[..., first:].abs().sum() > 0
    # The same weights' state dict loads into either (the option adds no tensors).
    plain.load_state_dict(masked.state_dict(), strict=True)


@pytest.mark.parametrize("kwargs, message", [
    ({"mask_above_hz": 8000}, "Nyquist"),
    ({"mask_above_hz": -1.0}, "Nyquist"),
    ({"mask_above_hz": 6000, "normalize": "none"}, "normalize"),
])
def test_mask_above_hz_refuses_cutoffs_it_cannot_apply(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LogMelFrontend(**kwargs)


def test_dither_is_gaussian_of_the_given_scale_and_differs_between_utterances():
    from gru_asr.frontends.base import _DITHER_TABLE_SAMPLES, add_dither

    silence = torch.zeros(4, 32000)
    torch.manual_seed(0)
    noise = add_dither(silence, 1e-3)
    assert silence.abs().sum() == 0  # the input is not modified
    assert 0.9e-3 < noise.std().item() < 1.1e-3 and abs(noise.mean().item()) < 1e-4
    assert not torch.equal(noise[0], noise[1])  # each utterance its own slice of the table
    torch.manual_seed(0)
    assert torch.equal(add_dither(silence, 1e-3), noise)  # reproducible from the global RNG
    long = add_dither(torch.zeros(1, _DITHER_TABLE_SAMPLES // 4 + 1), 1e-3)  # long batches: fresh noise
    assert 0.9e-3 < long.std().item() < 1.1e-3
    assert add_dither(torch.zeros(0, 100), 1e-3).shape == (0, 100)


@pytest.mark.parametrize("name,kwargs", [("logmel", {"n_mels": 40}), ("mfcc", {"n_mfcc": 20}), ("spectrogram", {})])
def test_frontend_is_independent_of_padding(name, kwargs):
    from gru_asr.frontends import build_frontend

    fe = build_frontend({"name": name, "dither": 0.0, **kwargs}).eval()
    short = torch.randn(1, 7000)
    alone, la = fe(short, torch.tensor([7000]))
    padded, lp = fe(torch.cat([short, torch.randn(1, 5000)], 1), torch.tensor([7000]))
    assert la == lp and alone.size(2) == fe.feature_dim
    assert torch.allclose(alone[0], padded[0, : la[0]], atol=1e-4)
    assert padded[0, la[0]:].abs().sum() == 0


def test_reverse_within_lengths():
    x = torch.arange(10.0).view(2, 5, 1)
    out = reverse_within_lengths(x, torch.tensor([5, 3]))
    assert out[0, :, 0].tolist() == [4, 3, 2, 1, 0]
    assert out[1, :, 0].tolist() == [7, 6, 5, 8, 9]


@pytest.mark.parametrize(
    "opts",
    [
        {},
        {"bidirectional": False, "lookahead": 3},
        {"norm": "batch"},
        {"norm": "none", "residual": True, "projection_size": 24},
        {"subsampling": {"channels": [4], "time_strides": [2], "freq_strides": [2]}},
    ],
)
@pytest.mark.parametrize("encoder", ["bigru", "lstm"])
def test_encoder_shapes_and_batch_invariance(encoder, opts):
    torch.manual_seed(0)
    enc_cfg = {"name": encoder, "hidden_size": 16, "num_layers": 2, "dropout": 0.0, "subsampling": {"channels": [4, 4]}}
    enc_cfg.update(opts)
    enc = build_encoder(enc_cfg, input_dim=40).eval()
    feats = torch.randn(3, 101, 40)
    lens = torch.tensor([101, 60, 33])
    feats = feats * (torch.arange(101)[None, :, None] < lens[:, None, None])
    out, olens = enc(feats, lens)
    factor = enc.subsampling_factor
    assert out.shape[0] == 3 and out.shape[2] == enc.output_dim
    assert olens.tolist() == [-(-n // factor) for n in lens.tolist()]
    for i in range(3):
        alone, alen = enc(feats[i : i + 1, : lens[i]], lens[i : i + 1])
        assert alen[0] == olens[i]
        torch.testing.assert_close(alone[0], out[i, : olens[i]], atol=1e-5, rtol=1e-4)


def test_model_log_probs_are_batch_invariant():
    torch.manual_seed(0)
    model = CTCModel(small_model_config()).eval()
    wavs = torch.randn(2, 24000) * 0.1
    lens = torch.tensor([24000, 11000])
    wavs[1, 11000:] = 0
    lp, olens = model(wavs, lens)
    alone, alen = model(wavs[1:, :11000], lens[1:])
    assert torch.allclose(lp.exp().sum(-1)[0], torch.ones(lp.size(1)), atol=1e-4)
    torch.testing.assert_close(alone[0], lp[1, : alen[0]], atol=1e-5, rtol=1e-4)


def test_specaugment_leaves_padding_untouched_and_is_off_in_eval():
    aug = SpecAugment(freq_masks=2, freq_width=10, time_masks=4, time_width=0.2)
    feats = torch.randn(2, 50, 20) + 5.0
    lens = torch.tensor([50, 30])
    torch.manual_seed(1)
    out = aug.train()(feats.clone(), lens)
    assert torch.equal(out[1, 30:], feats[1, 30:])
    assert (out == 0).any()
    assert torch.equal(aug.eval()(feats, lens), feats)


def test_specaugment_masks_whole_bands_and_whole_frames_within_the_utterance():
    aug = SpecAugment(freq_masks=1, freq_width=6, time_masks=1, time_width=0.3, max_time_width=10).train()
    feats = torch.rand(3, 40, 16) + 1.0  # no zeros before masking
    lens = torch.tensor([40, 25, 12])
    for seed in range(20):
        torch.manual_seed(seed)
        zero = aug(feats, lens) == 0
        for b, n in enumerate(lens.tolist()):
            valid = zero[b, :n]
            bands = valid.all(0)  # bands masked in every valid frame
            frames = valid.all(1)  # frames masked in every band
            # each zero lies in a masked band or a masked frame
            assert torch.equal(valid, bands.unsqueeze(0) | frames.unsqueeze(1))
            assert int(bands.sum()) <= 6 and int(frames.sum()) <= min(10, int(0.3 * n))
            assert not zero[b, n:].any()
