"""ONNX export: front-end + encoder + CTC head, dynamic batch and length.

Exporter choice (torch 2.11). ``torch.onnx.export`` defaults to ``dynamo=True``,
which captures the model with ``torch.export``; that unrolls ``nn.GRU`` /
``nn.LSTM`` over time and specializes the time axis to the example's length
("You marked t as dynamic but your code specialized it to be a constant"), so
a dynamic-length recurrent model cannot be exported that way. The TorchScript
-based exporter (``dynamo=False``, deprecated but present) traces the module,
maps ``nn.GRU``/``nn.LSTM`` to the ONNX ``GRU``/``LSTM`` operators, and keeps
shapes read from tensors (``x.size(1)``, ``torch._shape_as_tensor``) symbolic,
so batch and time stay dynamic. The STFT is computed as a convolution
(:mod:`gru_asr.export.dft_frontend`) because that exporter has no complex tensors.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import torch

from gru_asr.export.exportable import ExportableCTC, export_metadata
from gru_asr.inference.onnx_runtime import INPUT_NAMES, OUTPUT_NAMES
from gru_asr.utils.atomic_files import atomic_write_bytes

DEFAULT_OPSET = 17  # LayerNormalization is a native operator from 17 on
MAX_OPSET = 20  # the highest the TorchScript-based exporter emits in torch 2.11
MIN_OPSET = 12  # 11 gives an int64 Where input onnxruntime rejects; 9-10 lack dynamic Slice


def example_inputs(model, seconds: tuple[float, ...] = (1.0, 0.6)) -> tuple[torch.Tensor, torch.Tensor]:
    """A padded batch of utterances of different lengths to trace with."""
    lengths = torch.tensor([int(s * model.sample_rate) for s in seconds], dtype=torch.int64)
    generator = torch.Generator().manual_seed(0)
    waveforms = 0.1 * torch.randn(len(seconds), int(lengths.max()), generator=generator)
    waveforms = waveforms * (torch.arange(waveforms.size(1)) < lengths.unsqueeze(1))
    return waveforms, lengths


def export_onnx(model, path: str | Path, opset: int = DEFAULT_OPSET) -> Path:
    """Write ``model`` (a :class:`~gru_asr.models.CTCModel`) to ``path`` as ONNX,
    with the decoding metadata in ``metadata_props``; returns the path."""
    import onnx

    if not MIN_OPSET <= opset <= MAX_OPSET:
        raise ValueError(f"opset must be between {MIN_OPSET} and {MAX_OPSET}, not {opset}")
    path = Path(path)
    wrapper = ExportableCTC(model)
    tmp = path.with_name(f".{path.name}.export.tmp")
    try:
        with torch.no_grad(), warnings.catch_warnings():
            # The TorchScript-based exporter announces its deprecation, and tracing
            # warns about nn.GRU's input checks (Python booleans on shapes), which
            # hold for every input of the exported signature.
            warnings.simplefilter("ignore")
            torch.onnx.export(
                wrapper,
                example_inputs(model),
                str(tmp),
                dynamo=False,
                opset_version=opset,
                input_names=list(INPUT_NAMES),
                output_names=list(OUTPUT_NAMES),
                dynamic_axes={
                    "waveforms": {0: "batch", 1: "samples"},
                    "lengths": {0: "batch"},
                    "log_probs": {0: "batch", 1: "frames"},
                    "out_lengths": {0: "batch"},
                },
            )
        proto = onnx.load(str(tmp))
    finally:
        tmp.unlink(missing_ok=True)
    for key, value in export_metadata(model).items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    proto.doc_string = (
        "gru_asr CTC model: waveforms (batch, samples) float32 at the sample rate in metadata, "
        "lengths (batch,) int64 -> log_probs (batch, frames, vocab), out_lengths (batch,)"
    )
    onnx.checker.check_model(proto)
    atomic_write_bytes(path, proto.SerializeToString())
    return path
