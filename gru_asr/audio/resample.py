"""Band-limited sinc resampling: torchaudio's algorithm and defaults, twice.

* :func:`resample`, for torch tensors (training data, the PyTorch runtime): exactly
  ``torchaudio.functional.resample``, with its kernel built once per pair of rates.
* :func:`resample_array`, for numpy arrays: the same kernel in numpy, so that the
  ONNX runtime reads audio on a machine without torch. It agrees with :func:`resample`
  to float32 rounding (tested) but is several times slower, which is why training
  does not use it.

Torch is imported inside the torch functions, never at module level.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch


def resample(wav: "torch.Tensor", orig_sr: int, new_sr: int) -> "torch.Tensor":
    """Resample a tensor, identical to ``torchaudio.functional.resample``.

    The functional form recomputes its sinc kernel on every call, which costs
    more than the convolution itself for 22.05/44.1 kHz sources; the kernel
    only depends on the two rates and the dtype, so it is built once per
    combination and reused.
    """
    if orig_sr == new_sr:
        return wav
    g = math.gcd(orig_sr, new_sr)
    if wav.device.type != "cpu":
        import torchaudio.functional as AF

        return AF.resample(wav, orig_sr // g, new_sr // g)
    return cached_resampler(orig_sr // g, new_sr // g, wav.dtype)(wav)


@lru_cache(maxsize=32)
def cached_resampler(orig_sr: int, new_sr: int, dtype: "torch.dtype | None" = None) -> "torch.nn.Module":
    """A ``torchaudio.transforms.Resample`` whose kernel is computed in ``dtype``
    (float32 when None), as the functional form computes it for a waveform of that
    dtype (the transform's default, a float64 kernel rounded to float32, differs in
    the last bit)."""
    import torch
    import torchaudio

    return torchaudio.transforms.Resample(orig_sr, new_sr, dtype=dtype or torch.float32)


def resample_array(wav: np.ndarray, orig_sr: int, new_sr: int, lowpass_filter_width: int = 6,
                   rolloff: float = 0.99) -> np.ndarray:
    """Resample a float32 numpy array with a Hann-windowed sinc kernel: the algorithm
    and defaults of ``torchaudio.functional.resample``."""
    if orig_sr == new_sr:
        return wav
    g = math.gcd(orig_sr, new_sr)
    orig, new = orig_sr // g, new_sr // g
    base = min(orig, new) * rolloff
    width = math.ceil(lowpass_filter_width * orig / base)
    # kernel[j, k]: weight of input sample (n * orig - width + k) for output n * new + j
    idx = np.arange(-width, width + orig, dtype=np.float32)[None, :] / np.float32(orig)
    t = (np.arange(0, -new, -1, dtype=np.float32)[:, None] / np.float32(new) + idx) * np.float32(base)
    t = np.clip(t, -lowpass_filter_width, lowpass_filter_width)
    window = np.cos(t * np.float32(math.pi / lowpass_filter_width / 2)) ** 2
    t = t * np.float32(math.pi)
    with np.errstate(invalid="ignore", divide="ignore"):
        kernel = np.where(t == 0, np.float32(1.0), np.sin(t) / t)
    kernel = (kernel * window * np.float32(base / orig)).astype(np.float32)
    padded = np.pad(wav, (width, width + orig))
    frames = np.lib.stride_tricks.sliding_window_view(padded, kernel.shape[1])[::orig]
    out = (frames @ kernel.T).reshape(-1)
    return np.ascontiguousarray(out[: math.ceil(new * wav.size / orig)], dtype=np.float32)
