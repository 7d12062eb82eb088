"""A TDNN encoder for gru_asr, registered as ``tdnn``.

Stacked 1-D convolutions with growing dilation (Peddinti et al., 2015), ReLU and
batch norm. The first two layers stride by 2, so the time subsampling is 4 like
the built-in BiGRU. Outputs do not depend on padding (the encoder contract):
positions past each utterance's length are zeroed after every layer, and the
batch norm is gru_asr's ``MaskedBatchNorm1d``, whose training statistics count
valid frames only (a plain ``BatchNorm1d`` averages the padded frames in, so an
utterance's outputs would change with the batch it is padded into). The check
is ``gru_asr.encoders.testing.assert_padding_invariant`` (see tests/).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from gru_asr.encoders import Encoder, MaskedBatchNorm1d
from gru_asr.registry import register
from gru_asr.utils.masks import lengths_to_mask

__version__ = "0.1.0"

# gru-asr train adds this folder to Hydra's search path, so `encoder=tdnn` works.
CONFIG_DIR = Path(__file__).parent / "conf"


@register("encoder", "tdnn")
class TDNNEncoder(Encoder):
    """Dilated 1-D convolutions (TDNN), x4 time subsampling."""

    def __init__(self, input_dim: int, channels: int = 256, num_layers: int = 5, kernel_size: int = 3, dropout: float = 0.1):
        super().__init__()
        self.strides = [2, 2] + [1] * (num_layers - 2)
        self.dilations = [1, 1] + [2 ** min(i, 3) for i in range(1, num_layers - 1)]
        self.kernel_size = kernel_size
        layers, dim = [], input_dim
        for stride, dil in zip(self.strides, self.dilations):
            layers.append(nn.ModuleDict({
                "conv": nn.Conv1d(dim, channels, kernel_size, stride=stride, dilation=dil, padding=dil * (kernel_size // 2)),
                "norm": MaskedBatchNorm1d(channels),  # same state-dict keys as nn.BatchNorm1d
            }))
            dim = channels
        self.layers = nn.ModuleList(layers)
        self.dropout = nn.Dropout(dropout)
        self.output_dim = channels  # the encoder contract
        self.subsampling_factor = 4

    def forward(self, features: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = features.transpose(1, 2)  # (B, F, T)
        for layer, stride, dil in zip(self.layers, self.strides, self.dilations):
            pad = dil * (self.kernel_size // 2)
            x = layer["conv"](x)
            lengths = torch.div(lengths + 2 * pad - dil * (self.kernel_size - 1) - 1, stride, rounding_mode="floor") + 1
            mask = lengths_to_mask(lengths, x.size(2))
            norm = layer["norm"]
            # trainer.sync_batchnorm swaps in a plain SyncBatchNorm, which takes no mask.
            x = norm(x, mask) if isinstance(norm, MaskedBatchNorm1d) else norm(x)
            x = self.dropout(torch.relu(x)) * mask.unsqueeze(1)
        return x.transpose(1, 2), lengths
