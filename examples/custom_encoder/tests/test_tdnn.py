"""The plugin's own tests: what a plugin author runs (`pytest examples/custom_encoder/tests`).
gru_asr's suite runs the same check on this example in
tests/unit/test_encoder_padding_invariance.py."""

import torch

from gru_asr.encoders.testing import assert_padding_invariant
from gru_asr_tdnn import TDNNEncoder


def test_tdnn_is_padding_invariant():
    torch.manual_seed(0)
    assert_padding_invariant(TDNNEncoder(input_dim=40, channels=32, num_layers=5), input_dim=40)


def test_tdnn_subsamples_time_by_four():
    encoder = TDNNEncoder(input_dim=40, channels=32).eval()
    out, lengths = encoder(torch.zeros(2, 100, 40), torch.tensor([100, 57]))
    assert out.shape == (2, 25, 32) and lengths.tolist() == [25, 15]
