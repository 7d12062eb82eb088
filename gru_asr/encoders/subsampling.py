"""2-D convolutional subsampling in front of the recurrent layers (DS2 style)."""

from __future__ import annotations

import torch
from torch import nn

from gru_asr.utils.masks import lengths_to_mask


class MaskedBatchNorm2d(nn.BatchNorm2d):
    """``BatchNorm2d`` whose training statistics count valid time steps only.

    A (B, C, T, F) batch padded to its longest utterance holds conv outputs at the
    padded steps too (the bias, plus the kernel's reach past the last frame). Plain
    batch norm averages them in, so an utterance's normalization, and through the
    running statistics the model used at inference, would depend on how much
    padding its batch happened to carry. With ``mask`` (B, T), the mean and variance
    are over valid steps only, and padded steps come out as the bias (callers mask
    them). In eval mode, or without a mask, this is
    ``BatchNorm2d`` unchanged: same parameters, buffers and state-dict keys, so
    checkpoints and exported graphs are unaffected.
    """

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if mask is None or not self.training:
            return super().forward(x)
        if x.size(0) * x.size(2) * x.size(3) < 2:  # BatchNorm2d's own (shape-only) check
            raise ValueError(f"expected more than 1 value per channel when training, got input size {tuple(x.shape)}")
        # Statistics in float32 at least, even under autocast: bf16 sums over ~10^5 values lose digits.
        xf = x.to(torch.promote_types(x.dtype, torch.float32))
        valid = mask[:, None, :, None]  # (B, 1, T, 1)
        # torch.where, not a product with the mask: a non-finite value in padding stays out.
        count = (valid.sum() * x.size(3)).to(xf.dtype).clamp_min(2.0)  # valid values per channel
        mean = torch.where(valid, xf, 0.0).sum(dim=(0, 2, 3)) / count
        centered = torch.where(valid, xf - mean[None, :, None, None], 0.0)
        var = centered.pow(2).sum(dim=(0, 2, 3)) / count
        if self.track_running_stats:
            self._update_running_stats(mean.detach(), var.detach() * (count / (count - 1)))
        # ``centered`` is zero at padded steps; what the norm outputs there does not
        # matter (the subsampling zeroes them after the activation), so reuse it.
        scale = torch.rsqrt(var + self.eps)
        if not self.affine:
            return (centered * scale[None, :, None, None]).to(x.dtype)
        return torch.addcmul(self.bias[None, :, None, None], centered, (self.weight * scale)[None, :, None, None]).to(x.dtype)

    @torch.no_grad()
    def _update_running_stats(self, mean: torch.Tensor, unbiased_var: torch.Tensor) -> None:
        # BatchNorm's own rule: exponential with ``momentum``, or a cumulative mean when it is None.
        self.num_batches_tracked.add_(1)
        factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        self.running_mean.lerp_(mean.to(self.running_mean.dtype), factor)
        self.running_var.lerp_(unbiased_var.to(self.running_var.dtype), factor)


class MaskedBatchNorm1d(MaskedBatchNorm2d):
    """``BatchNorm1d`` over (B, C, T) whose training statistics count valid time steps
    only (``mask`` (B, T)), for convolutional encoders: see :class:`MaskedBatchNorm2d`.
    Same parameters, buffers and state-dict keys as ``nn.BatchNorm1d``, so a model
    trained with it loads where ``BatchNorm1d`` was used. Padded steps come out as the
    bias: zero them after the activation."""

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if x.dim() != 3:
            raise ValueError(f"MaskedBatchNorm1d expects (batch, channels, time), got shape {tuple(x.shape)}")
        return super().forward(x.unsqueeze(-1), mask).squeeze(-1)


class Conv2dSubsampling(nn.Module):
    """Stacked Conv2d + norm + activation layers; each layer strides time by
    ``time_strides[i]`` and frequency by ``freq_strides[i]``.

    Positions past an utterance's (subsampled) length are zeroed after every
    layer, so a valid output frame sees exactly what it would see unpadded, and
    batch norm's training statistics leave them out (:class:`MaskedBatchNorm2d`).
    """

    def __init__(
        self,
        input_dim: int,
        channels: list[int] = (32, 32),
        kernel_size: int = 3,
        time_strides: list[int] = (2, 2),
        freq_strides: list[int] = (2, 2),
    ):
        super().__init__()
        if not (len(channels) == len(time_strides) == len(freq_strides)):
            raise ValueError("channels, time_strides and freq_strides need one entry per conv layer")
        if kernel_size % 2 != 1:
            raise ValueError("kernel_size must be odd")
        self.kernel_size = kernel_size
        self.time_strides = list(time_strides)
        self.layers = nn.ModuleList()
        in_ch, freq = 1, input_dim
        for ch, ts, fs in zip(channels, time_strides, freq_strides):
            self.layers.append(
                nn.Sequential(
                    nn.Conv2d(in_ch, ch, kernel_size, stride=(ts, fs), padding=kernel_size // 2),
                    MaskedBatchNorm2d(ch),
                    nn.Hardtanh(0, 20, inplace=True),
                )
            )
            in_ch = ch
            freq = (freq + 2 * (kernel_size // 2) - kernel_size) // fs + 1
        self.output_dim = in_ch * freq
        self.subsampling_factor = 1
        for ts in time_strides:
            self.subsampling_factor *= ts

    def initial_state(self) -> list[torch.Tensor | None]:
        """Streaming state: per conv layer, the input frames not yet consumed
        (None until the stream's first frame, when the left zero padding is made)."""
        return [None] * len(self.layers)

    def forward_chunk(
        self, features: torch.Tensor, state: list[torch.Tensor | None], final: bool = False
    ) -> tuple[torch.Tensor, list[torch.Tensor | None]]:
        """Streaming ``forward`` for one batch of equally long streams.

        Each layer keeps the input frames its next output still needs. The stream's
        true start gets the same ``kernel_size // 2`` zero frames as the offline
        padding, and ``final`` appends the right padding, so output frame ``j`` is
        computed from exactly the inputs ``j * stride - pad ... + kernel_size - 1``
        it reads offline. At most ``kernel_size - 1`` frames per layer are carried.
        """
        pad = self.kernel_size // 2
        x = features.unsqueeze(1)  # (B, 1, t, F)
        new_state: list[torch.Tensor | None] = []
        for layer, ts, pending in zip(self.layers, self.time_strides, state):
            conv = layer[0]
            if pending is None:  # the stream's true start: offline zero padding
                pending = x.new_zeros(x.size(0), x.size(1), pad, x.size(3))
            buf = torch.cat([pending, x], dim=2)
            if final:
                buf = nn.functional.pad(buf, (0, 0, 0, pad))
            n_out = (buf.size(2) - self.kernel_size) // ts + 1 if buf.size(2) >= self.kernel_size else 0
            if n_out > 0:
                used = buf[:, :, : (n_out - 1) * ts + self.kernel_size]
                # Time padding is explicit in ``buf``; frequency keeps the layer's own.
                y = nn.functional.conv2d(used, conv.weight, conv.bias, stride=conv.stride, padding=(0, conv.padding[1]))
                x = layer[2](layer[1](y))
            else:
                x = buf.new_zeros(buf.size(0), conv.out_channels, 0, self._conv_freq(conv, buf.size(3)))
            new_state.append(buf[:, :, n_out * ts :].clone())  # clone: do not keep the chunk alive
        B, C, T, F = x.shape
        return x.permute(0, 2, 1, 3).reshape(B, T, C * F), new_state

    @staticmethod
    def _conv_freq(conv: nn.Conv2d, freq: int) -> int:
        return (freq + 2 * conv.padding[1] - conv.kernel_size[1]) // conv.stride[1] + 1

    def forward(self, features: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = features.unsqueeze(1)  # (B, 1, T, F)
        pad = self.kernel_size // 2
        for (conv, norm, activation), ts in zip(self.layers, self.time_strides):
            x = conv(x)
            lengths = torch.div(lengths + 2 * pad - self.kernel_size, ts, rounding_mode="floor") + 1
            mask = lengths_to_mask(lengths, x.size(2))
            # trainer.sync_batchnorm swaps in a plain SyncBatchNorm, which takes no mask
            # (its statistics then count padding, as BatchNorm2d's did).
            x = norm(x, mask) if isinstance(norm, MaskedBatchNorm2d) else norm(x)
            x = activation(x) * mask[:, None, :, None]
        B, C, T, F = x.shape
        return x.permute(0, 2, 1, 3).reshape(B, T, C * F), lengths
