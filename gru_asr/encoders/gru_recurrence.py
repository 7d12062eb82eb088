"""A GRU recurrence for CPU training: both directions in one batched loop, and a
hand-written backward.

Why: on CPU ``nn.GRU`` has no oneDNN kernel. ATen's fallback runs each direction
separately, one time step at a time, and autograd records a dozen small ops per
step; its backward then does two small matrix products per step (the gradient for
the hidden state *and* for ``weight_hh``, whose inner dimension is the batch size,
which CPUs run at a fraction of their speed). Profiled on the AN4 medium encoder
(2 cores), the recurrence's small matrix products and per-step bookkeeping were
most of a training step.

This version keeps the exact ``nn.GRU`` parameters (so checkpoints, export and
inference are unchanged: inference still calls ``nn.GRU``) and changes only how
the training pass is computed:

- the input-to-hidden products for all steps are one matrix product (as in ATen);
- the two directions run side by side as one batched product per step
  (``baddbmm`` over a direction dimension), halving the number of steps' ops;
- nothing is recorded per step: the backward is written out, with every factor
  that does not depend on the incoming gradient computed for all steps at once,
  so a step of the backward is one ``baddbmm`` and a few elementwise ops;
- ``weight_hh``'s gradient is one large product over all steps and the batch after
  the loop, instead of one small product per step.

The gate equations are PyTorch's (``r, z, n`` order, ``b_hn`` inside ``r *``):
    r = sigmoid(Wir x + bir + Whr h + bhr)
    z = sigmoid(Wiz x + biz + Whz h + bhz)
    n = tanh(Win x + bin + r * (Whn h + bhn))
    h' = (1 - z) * n + z * h
Tests compare outputs and every gradient with ``nn.GRU`` (and ``gradcheck`` in
float64).
"""

from __future__ import annotations

import torch
from torch import nn


class _GRURecurrence(torch.autograd.Function):
    """Hidden states of D independent GRU recurrences run side by side.

    ``gi``: (D, T, B, 3H), the input projections ``x Wih^T + bih`` of every step;
    ``w_hh``: (D, 3H, H); ``b_hh``: (D, 3H). Returns (D, T, B, H). The initial state
    is zero. Direction-major buffers keep every (T*B, .) block contiguous, so the
    products over all steps need no transposing copies.
    """

    @staticmethod
    def forward(ctx, gi: torch.Tensor, w_hh: torch.Tensor, b_hh: torch.Tensor) -> torch.Tensor:
        D, T, B, G = gi.shape
        H = G // 3
        # Contiguous, or every step's product would copy the transposed weight first.
        w_t = w_hh.transpose(1, 2).contiguous()  # (D, H, 3H)
        hs = gi.new_empty(D, T, B, H)
        rz = gi.new_empty(D, T, B, 2 * H)  # saved gates r, z
        n = gi.new_empty(D, T, B, H)  # saved candidate
        # Saved hidden projections (the backward needs Whn h + bhn), biases written
        # once up front so each step adds its product in place.
        gh = b_hh[:, None, None, :].expand(D, T, B, G).contiguous()
        h = gi.new_zeros(D, B, H)
        for t in range(T):
            gh_t, rz_t, n_t, h_t = gh[:, t], rz[:, t], n[:, t], hs[:, t]
            gh_t.baddbmm_(h, w_t)
            torch.add(gi[:, t, :, : 2 * H], gh_t[..., : 2 * H], out=rz_t)
            rz_t.sigmoid_()
            torch.addcmul(gi[:, t, :, 2 * H :], rz_t[..., :H], gh_t[..., 2 * H :], out=n_t)
            n_t.tanh_()
            # h' = n + z * (h - n)
            torch.sub(h, n_t, out=h_t)
            h_t.mul_(rz_t[..., H:]).add_(n_t)
            h = h_t
        ctx.save_for_backward(w_hh, hs, rz, n, gh)
        return hs

    @staticmethod
    def backward(ctx, d_hs: torch.Tensor):
        w_hh, hs, rz, n, gh = ctx.saved_tensors
        D, T, B, H = hs.shape
        r, z = rz[..., :H], rz[..., H:]
        h_prev = torch.cat([hs.new_zeros(D, 1, B, H), hs[:, :-1]], dim=1)
        # Every factor that does not depend on the incoming gradient, for all steps:
        #   d a_n = dh * (1 - z) * (1 - n^2)           (a_n: tanh's input)
        #   d a_r = d a_n * (Whn h + bhn) * r (1 - r)   (a_r: r's sigmoid input)
        #   d a_z = dh * (h_prev - n) * z (1 - z)
        #   dh_prev = dh * z + [d a_r, d a_z, d a_n * r] Whh
        dn_coef = (1 - z) * (1 - n * n)
        dr_coef = gh[..., 2 * H :] * r * (1 - r)
        dz_coef = (h_prev - n) * z * (1 - z)
        z = z.contiguous()  # read once per step below; a strided slice would be slower
        d_gh = hs.new_empty(D, T, B, 3 * H)  # gradient of the hidden projections
        d_an = hs.new_empty(D, T, B, H)  # gradient of the n gate's input part
        dh = hs.new_zeros(D, B, H)
        for t in range(T - 1, -1, -1):
            d_gh_t, d_an_t = d_gh[:, t], d_an[:, t]
            dh.add_(d_hs[:, t])
            torch.mul(dh, dn_coef[:, t], out=d_an_t)
            torch.mul(d_an_t, dr_coef[:, t], out=d_gh_t[..., :H])
            torch.mul(dh, dz_coef[:, t], out=d_gh_t[..., H : 2 * H])
            torch.mul(d_an_t, r[:, t], out=d_gh_t[..., 2 * H :])
            dh.mul_(z[:, t]).baddbmm_(d_gh_t, w_hh)
        d_gi = torch.cat([d_gh[..., : 2 * H], d_an], dim=-1)
        # One product over every step and utterance: (D, 3H, T*B) @ (D, T*B, H).
        d_w_hh = torch.bmm(d_gh.view(D, T * B, 3 * H).transpose(1, 2), h_prev.view(D, T * B, H))
        d_b_hh = d_gh.sum(dim=(1, 2))
        return d_gi, d_w_hh, d_b_hh


def gru_directions(inputs: torch.Tensor, grus: list[nn.GRU]) -> torch.Tensor:
    """Run single-layer, batch-first ``nn.GRU`` modules (one per direction) side by
    side with the fused recurrence, from a zero state.

    ``inputs``: (D, B, T, Din), direction d's input for ``grus[d]`` (the caller
    reverses sequences for a backward direction). Returns (D, B, T, H), what
    ``grus[d](inputs[d])[0]`` returns, with gradients for every parameter.
    """
    D, B, T, _ = inputs.shape
    w_ih = torch.stack([g.weight_ih_l0 for g in grus])  # (D, 3H, Din)
    w_hh = torch.stack([g.weight_hh_l0 for g in grus])  # (D, 3H, H)
    b_ih = torch.stack([g.bias_ih_l0 for g in grus])
    b_hh = torch.stack([g.bias_hh_l0 for g in grus])
    G = w_ih.size(1)
    # Time-major within each direction, so a step's slice is one block:
    # (D, T*B, Din) @ (D, Din, 3H).
    x = inputs.transpose(1, 2).reshape(D, T * B, -1)
    gi = torch.baddbmm(b_ih.unsqueeze(1), x, w_ih.transpose(1, 2)).view(D, T, B, G)
    hs = _GRURecurrence.apply(gi, w_hh, b_hh)  # (D, T, B, H)
    return hs.transpose(1, 2)


def can_fuse(grus: list[nn.Module], x: torch.Tensor) -> bool:
    """Whether the fused recurrence applies: CPU training of plain single-layer
    GRUs (with biases, batch-first, no projections) of one hidden size; their
    input sizes agree because the caller stacks their inputs."""
    if x.device.type != "cpu" or not torch.is_grad_enabled() or not x.dtype.is_floating_point:
        return False
    if torch.is_autocast_enabled("cpu"):
        return False  # its products would come back in bfloat16; ATen's path handles that
    for g in grus:
        if not isinstance(g, nn.GRU) or g.num_layers != 1 or g.bidirectional or not g.bias:
            return False
        if not g.batch_first or g.weight_hh_l0.dtype != x.dtype:
            return False
    return len({g.hidden_size for g in grus}) == 1
