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
