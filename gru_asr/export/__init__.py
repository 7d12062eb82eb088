"""Export of front-end + encoder + CTC head to ONNX and TorchScript (docs/export.md).

* :mod:`~gru_asr.export.exportable`: the exported graph, ``forward(waveforms (B, S),
  lengths (B,)) -> (log_probs (B, T', V), out_lengths (B,))``, and its metadata;
* :mod:`~gru_asr.export.dft_frontend`: the STFT front-ends as a convolution;
* :mod:`~gru_asr.export.onnx_export`, :mod:`~gru_asr.export.torchscript_export`: writers;
* :mod:`~gru_asr.export.verify`: parity with the PyTorch model.

The ONNX runtime that transcribes with an export (onnxruntime, numpy and soundfile only)
is :mod:`gru_asr.inference.onnx_runtime`, beside the PyTorch and streaming runtimes.

``onnx``/``onnxruntime`` are imported only when used (``pip install 'gru_asr[export]'``).
"""

from gru_asr.export.dft_frontend import DFTFrontend, ExportUnsupportedError
from gru_asr.export.exportable import ExportableCTC, export_metadata
from gru_asr.export.onnx_export import export_onnx
from gru_asr.export.torchscript_export import export_torchscript, load_torchscript
from gru_asr.export.verify import ParityReport, verify_export

__all__ = [
    "DFTFrontend",
    "ExportUnsupportedError",
    "ExportableCTC",
    "ParityReport",
    "export_metadata",
    "export_onnx",
    "export_torchscript",
    "load_torchscript",
    "verify_export",
]
