"""Checks for encoder authors: call them from your plugin's own tests.

The encoder contract (docs/plugins.md) says that valid outputs must not depend on
padding. Batches are padded to their longest utterance, so an encoder that breaks it
gives an utterance different outputs (and, in training, different batch statistics
and gradients) depending on what it was batched with. :func:`assert_padding_invariant`
is the check every built-in encoder passes (``tests/unit/test_encoder_padding_invariance.py``)::

    from gru_asr.encoders.testing import assert_padding_invariant

    def test_my_encoder_is_padding_invariant():
        assert_padding_invariant(MyEncoder(input_dim=40, channels=32), input_dim=40)
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

__all__ = ["assert_padding_invariant"]


def assert_padding_invariant(
    encoder: nn.Module,
    input_dim: int,
    *,
    lengths: Sequence[int] = (101, 60, 33),
    extra_padding: int = 60,
    training: bool = True,
    atol: float = 1e-4,
    rtol: float = 1e-4,
    seed: int = 0,
) -> None:
    """Raise ``AssertionError`` unless ``encoder``'s valid outputs ignore padding.

    Features are random (zero past each length, as front-ends and the collate
    function make them), ``len(lengths)`` utterances in a batch. Checked:

    * eval mode: each utterance's outputs and output length in the batch equal
      those of the utterance run alone, unpadded;
    * training mode (``training=True``): the batch, and the same batch with
      ``extra_padding`` more zero frames, give the same valid outputs, the same
      parameter gradients (of the sum of squared valid outputs) and the same
      floating-point buffers afterwards (batch-norm running statistics). Dropout
      modules (``nn.Dropout*``) are kept in eval mode for this: their masks are
      random and depend on the tensor's shape.

    The encoder's parameters, buffers, gradients and train/eval mode are restored
    before returning (or raising).
    """
    lengths_t = torch.as_tensor(list(lengths), dtype=torch.long)
    if lengths_t.numel() < 2 or int(lengths_t.min()) < 1:
        raise ValueError("assert_padding_invariant needs at least two utterances of positive length")
    param = next(encoder.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    dtype = param.dtype if param is not None and param.is_floating_point() else torch.float32
    gen = torch.Generator().manual_seed(seed)
    longest = int(lengths_t.max())
    feats = torch.randn(len(lengths_t), longest, input_dim, generator=gen, dtype=torch.float64)
    feats = (feats * (torch.arange(longest)[None, :, None] < lengths_t[:, None, None])).to(device=device, dtype=dtype)
    lengths_t = lengths_t.to(device)

    state = {k: v.detach().clone() for k, v in encoder.state_dict().items()}
    grads = {n: None if p.grad is None else p.grad.clone() for n, p in encoder.named_parameters()}
    modes = {m: m.training for m in encoder.modules()}
    try:
        _check_eval(encoder, feats, lengths_t, atol, rtol)
        if training:
            _check_training(encoder, feats, lengths_t, extra_padding, state, atol, rtol)
    finally:
        encoder.load_state_dict(state)
        for name, p in encoder.named_parameters():
            p.grad = grads[name]
        for m, mode in modes.items():
            m.training = mode


def _valid(out: torch.Tensor, lengths: torch.Tensor) -> list[torch.Tensor]:
    return [out[i, : int(n)] for i, n in enumerate(lengths)]


def _compare(what: str, got: torch.Tensor, want: torch.Tensor, atol: float, rtol: float) -> None:
    if got.shape != want.shape:
        raise AssertionError(f"{what}: shape {tuple(got.shape)} != {tuple(want.shape)}")
    if not torch.allclose(got.double(), want.double(), atol=atol, rtol=rtol, equal_nan=True):
        diff = (got.double() - want.double()).abs().nan_to_num(float("inf")).max().item()
        raise AssertionError(f"{what} depends on padding: differs by up to {diff:.3g} (atol {atol}, rtol {rtol})")


def _check_eval(encoder: nn.Module, feats: torch.Tensor, lengths: torch.Tensor, atol: float, rtol: float) -> None:
    encoder.eval()
    with torch.no_grad():
        out, out_lengths = encoder(feats, lengths)
        if out_lengths.shape != lengths.shape:
            raise AssertionError(f"output lengths have shape {tuple(out_lengths.shape)}, expected {tuple(lengths.shape)}")
        for i, n in enumerate(lengths.tolist()):
            alone, alone_len = encoder(feats[i : i + 1, :n], lengths[i : i + 1])
            if int(alone_len[0]) != int(out_lengths[i]):
                raise AssertionError(f"eval mode: utterance {i} has output length {int(out_lengths[i])} in the batch "
                                     f"but {int(alone_len[0])} alone")
            m = int(alone_len[0])
            _compare(f"eval mode: utterance {i} (length {n}) in a padded batch", out[i, :m], alone[0, :m], atol, rtol)


def _check_training(encoder: nn.Module, feats: torch.Tensor, lengths: torch.Tensor, extra: int,
                    state: dict, atol: float, rtol: float) -> None:
    def run(padding: int):
        encoder.load_state_dict(state)
        encoder.train()
        for m in encoder.modules():
            if isinstance(m, nn.modules.dropout._DropoutNd):
                m.eval()
        encoder.zero_grad(set_to_none=True)
        x = nn.functional.pad(feats, (0, 0, 0, padding))
        out, out_lengths = encoder(x, lengths)
        valid = _valid(out, out_lengths)
        torch.stack([v.float().pow(2).sum() for v in valid]).sum().backward()
        grads = {n: p.grad.detach().clone() for n, p in encoder.named_parameters() if p.grad is not None}
        buffers = {n: b.detach().clone() for n, b in encoder.named_buffers() if b.is_floating_point()}
        return [v.detach() for v in valid], out_lengths.detach(), grads, buffers

    out_a, len_a, grads_a, bufs_a = run(0)
    out_b, len_b, grads_b, bufs_b = run(extra)
    if not torch.equal(len_a, len_b):
        raise AssertionError(f"training mode: output lengths {len_a.tolist()} became {len_b.tolist()} "
                             f"with {extra} more padded frames")
    for i, (a, b) in enumerate(zip(out_a, out_b)):
        _compare(f"training mode: utterance {i}'s output with {extra} more padded frames", b, a, atol, rtol)
    if set(grads_a) != set(grads_b):
        raise AssertionError("training mode: different parameters received gradients with more padding")
    for name in grads_a:
        _compare(f"training mode: the gradient of {name} with {extra} more padded frames", grads_b[name], grads_a[name], atol, rtol)
    for name in bufs_a:
        _compare(f"training mode: buffer {name} (e.g. batch-norm running statistics) with {extra} more padded frames",
                 bufs_b[name], bufs_a[name], atol, rtol)
