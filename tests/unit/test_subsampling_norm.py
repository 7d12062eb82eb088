"""The conv subsampling's batch norm leaves padded time steps out of its statistics."""

import pytest
import torch
from torch import nn

from gru_asr.encoders.subsampling import Conv2dSubsampling, MaskedBatchNorm2d
from gru_asr.utils.masks import lengths_to_mask


def _valid_values(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """(N, C) values of the valid steps of a (B, C, T, F) batch."""
    return torch.cat([x[b, :, : int(n)].reshape(x.size(1), -1) for b, n in enumerate(lengths)], dim=1).T


def test_statistics_count_valid_steps_only():
    torch.manual_seed(0)
    norm = MaskedBatchNorm2d(3).double().train()
    with torch.no_grad():
        norm.weight.uniform_(0.5, 1.5)
        norm.bias.uniform_(-1, 1)
    lengths = torch.tensor([7, 4, 2])
    x = torch.randn(3, 3, 7, 5, dtype=torch.float64)
    x[1, :, 4:] = 50.0  # padding with large values: plain batch norm would be pulled by them
    x[2, :, 2:] = -50.0
    y = norm(x, lengths_to_mask(lengths, 7))

    valid = _valid_values(x, lengths)
    mean, var = valid.mean(0), valid.var(0, unbiased=False)
    expected = (x - mean[None, :, None, None]) / torch.sqrt(var + norm.eps)[None, :, None, None]
    expected = expected * norm.weight[None, :, None, None] + norm.bias[None, :, None, None]
    mask = lengths_to_mask(lengths, 7)[:, None, :, None]
    torch.testing.assert_close(y * mask, expected * mask, rtol=0, atol=1e-12)
    torch.testing.assert_close(norm.running_mean, 0.9 * torch.zeros(3, dtype=torch.float64) + 0.1 * mean)
    torch.testing.assert_close(norm.running_var, 0.9 + 0.1 * valid.var(0, unbiased=True))
    assert int(norm.num_batches_tracked) == 1


@pytest.mark.parametrize("affine", [True, False])
def test_without_padding_it_is_batchnorm2d_exactly(affine):
    """Full-length batches (no padding) and eval mode: the same numbers, buffers and
    state-dict keys as nn.BatchNorm2d, so older checkpoints load unchanged."""
    torch.manual_seed(1)
    plain, masked = nn.BatchNorm2d(4, affine=affine).double(), MaskedBatchNorm2d(4, affine=affine).double()
    if affine:
        with torch.no_grad():
            plain.weight.uniform_(0.5, 1.5), plain.bias.uniform_(-1, 1)
    masked.load_state_dict(plain.state_dict())
    assert list(masked.state_dict()) == list(plain.state_dict())
    for _ in range(3):
        x = torch.randn(2, 4, 6, 3, dtype=torch.float64)
        torch.testing.assert_close(masked(x, torch.ones(2, 6, dtype=torch.bool)), plain(x), rtol=0, atol=1e-12)
    for name, buf in plain.named_buffers():
        torch.testing.assert_close(dict(masked.named_buffers())[name], buf, rtol=0, atol=1e-12)
    masked.load_state_dict(plain.state_dict())  # eval mode: the very same computation
    masked.eval(), plain.eval()
    x = torch.randn(2, 4, 6, 3, dtype=torch.float64)
    torch.testing.assert_close(masked(x, torch.ones(2, 6, dtype=torch.bool)), plain(x), rtol=0, atol=0)
    assert torch.equal(masked(x[:1], lengths_to_mask(torch.tensor([2]), 6)), plain(x[:1]))  # eval ignores the mask


def test_cumulative_momentum_follows_batchnorm():
    torch.manual_seed(2)
    plain, masked = nn.BatchNorm2d(2, momentum=None).double(), MaskedBatchNorm2d(2, momentum=None).double()
    for _ in range(4):
        x = torch.randn(3, 2, 5, 2, dtype=torch.float64)
        plain(x), masked(x, torch.ones(3, 5, dtype=torch.bool))
    torch.testing.assert_close(masked.running_mean, plain.running_mean, rtol=0, atol=1e-12)
    torch.testing.assert_close(masked.running_var, plain.running_var, rtol=0, atol=1e-12)


def test_gradients_are_exact():
    torch.manual_seed(3)
    norm = MaskedBatchNorm2d(2, track_running_stats=False).double().train()
    with torch.no_grad():
        norm.weight.uniform_(0.5, 1.5)
    mask = lengths_to_mask(torch.tensor([4, 2]), 4)
    x = torch.randn(2, 2, 4, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: norm(t, mask) * mask[:, None, :, None], (x,))


def test_subsampling_in_training_does_not_depend_on_padding():
    """The same utterances padded to 40 or to 64 frames: identical outputs on every
    valid frame, identical gradients and identical running statistics. With plain
    BatchNorm2d the extra padding changed all three."""
    torch.manual_seed(4)
    sub = Conv2dSubsampling(8, channels=[3, 3]).double().train()
    state = {k: v.clone() for k, v in sub.state_dict().items()}
    lengths = torch.tensor([40, 23])
    feats = torch.randn(2, 40, 8, dtype=torch.float64)
    feats[1, 23:] = 0.0

    def run(total):
        sub.load_state_dict(state)
        sub.zero_grad()
        x = nn.functional.pad(feats, (0, 0, 0, total - 40))
        out, out_lengths = sub(x, lengths)
        mask = lengths_to_mask(out_lengths, out.size(1))
        valid = out[mask]
        valid.pow(2).sum().backward()
        grads = {k: p.grad.clone() for k, p in sub.named_parameters()}
        buffers = {k: b.clone() for k, b in sub.named_buffers() if b.is_floating_point()}
        return valid.detach(), grads, buffers

    out_a, grads_a, bufs_a = run(40)
    out_b, grads_b, bufs_b = run(64)
    torch.testing.assert_close(out_b, out_a, rtol=0, atol=1e-12)
    for k in grads_a:
        torch.testing.assert_close(grads_b[k], grads_a[k], rtol=0, atol=1e-10, msg=k)
    for k in bufs_a:
        torch.testing.assert_close(bufs_b[k], bufs_a[k], rtol=0, atol=1e-12, msg=k)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_inputs_keep_their_dtype_and_get_float32_statistics(dtype):
    torch.manual_seed(5)
    norm = MaskedBatchNorm2d(2).train()
    x = torch.randn(2, 2, 300, 40).to(dtype) + 3.0
    mask = lengths_to_mask(torch.tensor([300, 120]), 300)
    y = norm(x, mask)
    assert y.dtype == dtype and norm.running_mean.dtype == torch.float32
    valid = _valid_values(x.float(), torch.tensor([300, 120]))
    torch.testing.assert_close(norm.running_mean, 0.1 * valid.mean(0), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_half_precision_weights_train(dtype):
    """precision: bf16-true / 16-true keep the norm's weights and buffers in half precision."""
    torch.manual_seed(6)
    sub = Conv2dSubsampling(16, channels=[3], time_strides=[2], freq_strides=[2]).to(dtype).train()
    feats = torch.randn(2, 30, 16).to(dtype)
    out, lengths = sub(feats, torch.tensor([30, 20]))
    assert out.dtype == dtype and sub.layers[0][1].running_mean.dtype == dtype
    assert torch.isfinite(out.float()).all() and sub.layers[0][1].running_mean.abs().sum() > 0


def test_padding_that_is_not_finite_stays_out_of_the_statistics():
    norm = MaskedBatchNorm2d(2).train()
    x = torch.randn(2, 2, 6, 3)
    x[1, :, 3:] = float("nan")
    y = norm(x, lengths_to_mask(torch.tensor([6, 3]), 6))
    assert torch.isfinite(norm.running_mean).all() and torch.isfinite(norm.running_var).all()
    assert torch.isfinite(y[0]).all() and torch.isfinite(y[1, :, :3]).all()


def test_a_single_value_per_channel_is_refused_like_batchnorm():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        MaskedBatchNorm2d(2).train()(torch.randn(1, 2, 1, 1), torch.ones(1, 1, dtype=torch.bool))


def test_sync_batchnorm_conversion_still_runs():
    """trainer.sync_batchnorm swaps in SyncBatchNorm (no mask argument): the subsampling
    still runs with it (here in eval mode: training needs a process group)."""
    sub = nn.SyncBatchNorm.convert_sync_batchnorm(Conv2dSubsampling(16, channels=[3], time_strides=[2], freq_strides=[2])).eval()
    assert isinstance(sub.layers[0][1], nn.SyncBatchNorm)
    out, _ = sub(torch.randn(2, 30, 16), torch.tensor([30, 20]))
    assert torch.isfinite(out).all()
