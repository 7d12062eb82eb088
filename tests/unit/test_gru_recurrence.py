"""The fused CPU training recurrence (gru_asr/encoders/gru_recurrence.py) against
nn.GRU: same outputs, same gradients, used only where it applies."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import gru_asr.encoders.gru_recurrence as recurrence
from gru_asr.encoders import build_encoder
from gru_asr.encoders.rnn import RecurrentLayer
from gru_asr.utils.masks import lengths_to_mask


def _layer_pass(layer, x, lengths, weights, fused):
    """Output and every gradient of one training pass (valid frames only)."""
    layer.fused_cpu_training = fused
    layer.zero_grad()
    x = x.detach().clone().requires_grad_(True)
    mask = lengths_to_mask(lengths, x.size(1))
    y = layer(x, lengths, mask) * mask.unsqueeze(-1)
    (y * weights).sum().backward()
    grads = {name: p.grad.clone() for name, p in layer.named_parameters()}
    return y.detach(), x.grad, grads


@pytest.mark.parametrize("bidirectional,merge", [(True, "concat"), (True, "sum"), (False, "concat")])
def test_fused_pass_equals_nn_gru(bidirectional, merge):
    torch.manual_seed(0)
    layer = RecurrentLayer(nn.GRU, 10, 7, bidirectional, "layer", merge=merge).double()
    assert layer.output_dim == (14 if bidirectional and merge == "concat" else 7)
    x = torch.randn(4, 11, 10, dtype=torch.float64)
    lengths = torch.tensor([11, 6, 1, 9])
    weights = torch.randn(4, 11, layer.output_dim, dtype=torch.float64)
    y_f, dx_f, g_f = _layer_pass(layer, x, lengths, weights, fused=True)
    y_n, dx_n, g_n = _layer_pass(layer, x, lengths, weights, fused=False)
    torch.testing.assert_close(y_f, y_n, rtol=0, atol=1e-12)
    torch.testing.assert_close(dx_f, dx_n, rtol=0, atol=1e-12)
    assert set(g_f) == set(g_n) and len(g_f) >= 4
    for name in g_n:
        assert g_n[name].abs().sum() > 0, name  # the comparison below is not vacuous
        torch.testing.assert_close(g_f[name], g_n[name], rtol=0, atol=1e-12, msg=name)


def test_recurrence_gradcheck():
    torch.manual_seed(1)
    D, T, B, H = 2, 3, 2, 2
    gi = torch.randn(D, T, B, 3 * H, dtype=torch.float64, requires_grad=True)
    w_hh = torch.randn(D, 3 * H, H, dtype=torch.float64, requires_grad=True)
    b_hh = torch.randn(D, 3 * H, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(recurrence._GRURecurrence.apply, (gi, w_hh, b_hh))


def _count_fused_calls(monkeypatch):
    calls = []
    original = recurrence._GRURecurrence.apply

    def counting(*args):
        calls.append(args[0].shape)
        return original(*args)

    monkeypatch.setattr(recurrence._GRURecurrence, "apply", counting)
    return calls


def _tiny_encoder(**overrides):
    config = {"name": "bigru", "hidden_size": 16, "num_layers": 2, "dropout": 0.0, **overrides}
    return build_encoder(config, input_dim=20)


def test_fused_only_for_cpu_training(monkeypatch):
    calls = _count_fused_calls(monkeypatch)
    enc = _tiny_encoder()
    feats, lens = torch.randn(3, 40, 20), torch.tensor([40, 30, 17])
    enc.train()
    enc(feats, lens)[0].sum().backward()
    assert len(calls) == 2  # one per layer, both directions in each call
    assert calls[0][0] == 2
    with torch.no_grad():
        enc(feats, lens)  # inference: nn.GRU
    with torch.autocast("cpu", dtype=torch.bfloat16):
        enc(feats, lens)  # bf16 autocast: nn.GRU
    assert len(calls) == 2


def test_fused_can_be_switched_off(monkeypatch):
    calls = _count_fused_calls(monkeypatch)
    enc = _tiny_encoder(fused_cpu_training=False)
    enc(torch.randn(2, 40, 20), torch.tensor([40, 20]))[0].sum().backward()
    assert calls == []


def test_lstm_is_not_fused(monkeypatch):
    calls = _count_fused_calls(monkeypatch)
    enc = build_encoder({"name": "lstm", "hidden_size": 8, "num_layers": 1}, input_dim=20)
    enc(torch.randn(2, 40, 20), torch.tensor([40, 20]))[0].sum().backward()
    assert calls == []


def test_training_outputs_do_not_depend_on_batch_composition():
    """A fused layer's output for an utterance, and the gradients it sends to the
    weights, are the same alone and padded among longer ones. (The encoder as a
    whole is not compared in training mode: its subsampling's batch norm uses
    batch statistics there, by design.)"""
    torch.manual_seed(2)
    layer = RecurrentLayer(nn.GRU, 6, 5, True, "layer").double()
    short = torch.randn(1, 9, 6, dtype=torch.float64)
    other = torch.randn(1, 15, 6, dtype=torch.float64)
    padded = torch.cat([other, nn.functional.pad(short, (0, 0, 0, 6))])
    padded_lens = torch.tensor([15, 9])

    def run(x, lengths, row):
        layer.zero_grad()
        out = layer(x, lengths, lengths_to_mask(lengths, x.size(1)))[row, :9]
        out.pow(2).sum().backward()
        return out.detach(), {k: p.grad.clone() for k, p in layer.named_parameters()}

    out_alone, g_alone = run(short, torch.tensor([9]), 0)
    out_batch, g_batch = run(padded, padded_lens, 1)
    torch.testing.assert_close(out_batch, out_alone, rtol=0, atol=1e-12)
    for k in g_alone:
        torch.testing.assert_close(g_batch[k], g_alone[k], rtol=0, atol=1e-10, msg=k)


def test_sum_merge_adds_the_directions():
    """merge_directions=sum (Deep Speech 2): each layer outputs forward + backward,
    H wide, so the next layer's input projection is half as large."""
    torch.manual_seed(3)
    concat = _tiny_encoder().eval()
    summed = _tiny_encoder(merge_directions="sum").eval()
    assert concat.output_dim == 32 and summed.output_dim == 16
    layer_c, layer_s = concat.layers[0], summed.layers[0]
    layer_s.load_state_dict(layer_c.state_dict())  # the first layers' shapes agree
    x, lens = torch.randn(2, 7, layer_c.fwd.input_size), torch.tensor([7, 4])
    mask = lengths_to_mask(lens, 7)
    with torch.no_grad():
        both = layer_c(x, lens, mask)
        torch.testing.assert_close(layer_s(x, lens, mask), both[..., :16] + both[..., 16:])
    with pytest.raises(ValueError, match="concat or sum"):
        _tiny_encoder(merge_directions="mean")
