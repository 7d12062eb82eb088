"""2-D convolutional subsampling in front of the recurrent layers (DS2 style)."""

from __future__ import annotations

import torch
from torch import nn

from gru_asr.utils.masks import lengths_to_mask


class Conv2dSubsampling(nn.Module):
    """Stacked Conv2d + norm + activation layers; each layer strides time by
    ``time_strides[i]`` and frequency by ``freq_strides[i]``.

    Positions past an utterance's (subsampled) length are zeroed after every
    layer, so a valid output frame sees exactly what it would see unpadded.
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
                    nn.BatchNorm2d(ch),
                    nn.Hardtanh(0, 20, inplace=True),
                )
            )
            in_ch = ch
            freq = (freq + 2 * (kernel_size // 2) - kernel_size) // fs + 1
        self.output_dim = in_ch * freq
        self.subsampling_factor = 1
        for ts in time_strides:
            self.subsampling_factor *= ts

    def output_lengths(self, lengths: torch.Tensor) -> torch.Tensor:
        pad = self.kernel_size // 2
        for ts in self.time_strides:
            lengths = torch.div(lengths + 2 * pad - self.kernel_size, ts, rounding_mode="floor") + 1
        return lengths

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
        for layer, ts in zip(self.layers, self.time_strides):
            x = layer(x)
            lengths = torch.div(lengths + 2 * pad - self.kernel_size, ts, rounding_mode="floor") + 1
            mask = lengths_to_mask(lengths, x.size(2))
            x = x * mask[:, None, :, None]
        B, C, T, F = x.shape
        return x.permute(0, 2, 1, 3).reshape(B, T, C * F), lengths
