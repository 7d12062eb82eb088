"""The encoder contract's padding invariance, checked with the public helper plugin
authors use (gru_asr.encoders.testing.assert_padding_invariant): every built-in encoder
and the example TDNN plugin pass it, in eval and training mode; the example as it was
(plain BatchNorm1d) fails it (issue #23)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from gru_asr.encoders import ENCODERS, MaskedBatchNorm1d, build_encoder
from gru_asr.encoders.testing import assert_padding_invariant

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "custom_encoder"


@pytest.fixture(scope="module")
def tdnn_module():
    """The example plugin's module, imported from the source tree; when no installed
    copy registered ``tdnn``, the registration is undone afterwards so that other tests
    see the built-ins only."""
    if "tdnn" in ENCODERS.names():
        import gru_asr_tdnn

        yield gru_asr_tdnn
        return
    sys.path.insert(0, str(EXAMPLE))
    try:
        import gru_asr_tdnn
    finally:
        sys.path.remove(str(EXAMPLE))
    try:
        yield gru_asr_tdnn
    finally:
        ENCODERS._entries.pop("tdnn", None)
        sys.modules.pop("gru_asr_tdnn", None)


BUILTIN_OPTIONS = [
    {},
    {"norm": "batch"},
    {"bidirectional": False, "lookahead": 3},
    {"norm": "none", "residual": True, "projection_size": 24},
    {"subsampling": {"channels": [4], "time_strides": [2], "freq_strides": [2]}},
]


@pytest.mark.parametrize("options", BUILTIN_OPTIONS)
@pytest.mark.parametrize("name", ["bigru", "lstm"])
def test_builtin_encoders_are_padding_invariant(name, options):
    torch.manual_seed(0)
    config = {"name": name, "hidden_size": 16, "num_layers": 2, "dropout": 0.1, "subsampling": {"channels": [4, 4]}}
    encoder = build_encoder({**config, **options}, input_dim=40)
    assert_padding_invariant(encoder, input_dim=40)


def test_the_example_tdnn_is_padding_invariant(tdnn_module):
    torch.manual_seed(0)
    assert_padding_invariant(tdnn_module.TDNNEncoder(40, channels=32, num_layers=5), input_dim=40)


def test_the_example_as_it_was_fails_the_check(tdnn_module):
    """Plain BatchNorm1d: in training mode 60 padded frames moved outputs by more than 1."""
    torch.manual_seed(0)
    encoder = tdnn_module.TDNNEncoder(40, channels=32, num_layers=5)
    for layer in encoder.layers:
        layer["norm"] = nn.BatchNorm1d(32)
    assert_padding_invariant(encoder, input_dim=40, training=False)  # eval mode alone does not see it
    with pytest.raises(AssertionError, match="training mode: .*depends on padding: differs by up to"):
        assert_padding_invariant(encoder, input_dim=40)


def test_the_check_leaves_the_encoder_as_it_found_it():
    torch.manual_seed(0)
    encoder = build_encoder({"name": "bigru", "hidden_size": 8, "num_layers": 1, "norm": "batch",
                             "subsampling": {"channels": [2, 2]}}, input_dim=16).eval()
    state = {k: v.clone() for k, v in encoder.state_dict().items()}
    assert_padding_invariant(encoder, input_dim=16)
    assert not encoder.training and not any(m.training for m in encoder.modules())
    assert all(torch.equal(state[k], v) for k, v in encoder.state_dict().items())
    assert all(p.grad is None for p in encoder.parameters())


def test_a_length_bug_is_reported():
    class Truncating(nn.Module):  # drops the last frame of the longest utterance only
        def __init__(self):
            super().__init__()
            self.proj = nn.Linear(8, 4)

        def forward(self, features, lengths):
            return self.proj(features), lengths - (lengths == lengths.max()).long()

    with pytest.raises(AssertionError, match="output length"):
        assert_padding_invariant(Truncating(), input_dim=8)


@pytest.mark.parametrize("training", [False, True])
def test_masked_batchnorm1d_is_batchnorm1d_without_padding(training):
    torch.manual_seed(1)
    masked, plain = MaskedBatchNorm1d(6), nn.BatchNorm1d(6)
    plain.load_state_dict(masked.state_dict())  # same keys and shapes
    assert masked.state_dict().keys() == plain.state_dict().keys()
    masked.train(training), plain.train(training)
    x = torch.randn(3, 6, 11)
    full = torch.ones(3, 11, dtype=torch.bool)
    torch.testing.assert_close(masked(x, full), plain(x), atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(masked.running_mean, plain.running_mean)
    torch.testing.assert_close(masked.running_var, plain.running_var)
