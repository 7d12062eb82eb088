"""TorchScript export: the same graph as the ONNX export, traced.

Tracing (not scripting): the model code uses Python the TorchScript compiler
rejects (registries, ``zip`` over module lists), while tracing records the
tensor operations only. Shapes read from tensors stay symbolic in the trace,
so any batch size and length work; the parity check runs lengths other than
the traced ones. ``torch.jit`` is deprecated in torch 2.11 but still loads in
C++ (libtorch) and Python without gru_asr.

The decoding metadata (the same keys as the ONNX export's ``metadata_props``)
is stored as the extra file ``gru_asr.json`` inside the archive; read it with
``torch.jit.load(path, _extra_files={"gru_asr.json": ""})``.
"""

from __future__ import annotations

import io
import json
import warnings
from pathlib import Path

import torch

from gru_asr.export.exportable import ExportableCTC, export_metadata
from gru_asr.export.onnx_export import example_inputs
from gru_asr.utils.atomic_files import atomic_write_bytes

METADATA_FILE = "gru_asr.json"


def export_torchscript(model, path: str | Path) -> Path:
    """Write ``model`` (a :class:`~gru_asr.models.CTCModel`) to ``path`` as a traced
    TorchScript module; returns the path."""
    wrapper = ExportableCTC(model)
    with torch.no_grad(), warnings.catch_warnings():
        # torch.jit.trace/save announce their deprecation; the tracer warnings are
        # nn.GRU's input checks on shapes, true for every input of this signature.
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(wrapper, example_inputs(model), check_trace=False)
        buffer = io.BytesIO()
        torch.jit.save(traced, buffer, _extra_files={METADATA_FILE: json.dumps(export_metadata(model))})
    path = Path(path)
    atomic_write_bytes(path, buffer.getvalue())
    return path


def load_torchscript(path: str | Path) -> tuple[torch.jit.ScriptModule, dict[str, str]]:
    """The traced module (eval mode) and its decoding metadata."""
    extra = {METADATA_FILE: ""}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        module = torch.jit.load(str(path), map_location="cpu", _extra_files=extra)
    return module.eval(), json.loads(extra[METADATA_FILE] or "{}")
