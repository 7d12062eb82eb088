"""The one factory behind ``gru-asr transcribe``: its options -> a
:class:`~gru_asr.inference.transcriber.Transcriber` (PyTorch, ONNX or streaming).

Options a runtime cannot honour, and a model it cannot load, are refused here, before
any input is read, as :class:`~gru_asr.cli.errors.UserError` (one line, exit status 2)."""

from __future__ import annotations

from contextlib import contextmanager

from gru_asr.cli.errors import UserError
from gru_asr.inference.transcriber import Transcriber

RUNTIMES = ("torch", "onnx")


def open_transcriber(model: str, runtime: str = "torch", device: str = "cpu", decoder: dict | None = None,
                     stream: bool = False, chunk_ms: float = 320.0, raw: bool = False,
                     inputs: list[str] | None = None) -> Transcriber:
    """``decoder``: a decoder config (None: the model's own); ``stream``, ``chunk_ms`` and
    ``raw`` (PCM on stdin, ``inputs`` then being ``["-"]``): the streaming runtime."""
    if runtime == "onnx":
        return _open_onnx(model, device, decoder, stream)
    if runtime != "torch":
        raise UserError(f"--runtime {runtime}: choose from {', '.join(RUNTIMES)}")
    if stream:
        return _open_streaming(model, device, decoder, chunk_ms, raw, inputs)
    from gru_asr.inference.api import Model

    with model_load_errors():
        return Model.load(model, device=device, decoder=decoder)


def _open_onnx(model: str, device: str, decoder: dict | None, stream: bool) -> Transcriber:
    if decoder is not None and (decoder.get("name") != "greedy" or decoder.get("lm")):
        raise UserError("--runtime onnx decodes greedily; beam search and LMs need the PyTorch runtime")
    if stream:
        raise UserError("--stream needs the PyTorch runtime")
    if str(device) != "cpu":
        raise UserError("--runtime onnx runs on the CPU (onnxruntime's CPU provider); drop --device")
    from gru_asr.inference.onnx_runtime import OnnxModel, OnnxModelError

    try:
        return OnnxModel(model)
    except OnnxModelError as err:
        raise UserError(str(err)) from None


def _open_streaming(model: str, device: str, decoder: dict | None, chunk_ms: float, raw: bool,
                    inputs: list[str] | None) -> Transcriber:
    from gru_asr.encoders import StreamingNotSupportedError
    from gru_asr.inference.api import Model
    from gru_asr.inference.streaming import StreamingRuntime

    if decoder is not None and decoder.get("name") != "greedy":
        raise UserError(f"--stream decodes greedily (the CTC collapse state is carried across chunks); "
                        f"decoder {decoder.get('name')!r} needs the whole utterance")
    try:
        with model_load_errors():
            loaded = Model.load(model, device=device)
        runtime = StreamingRuntime(loaded.model, loaded.device, chunk_ms / 1000, raw_stdin=raw, show_partials=True)
    except StreamingNotSupportedError as err:
        raise UserError(f"{model}: cannot stream: {err}") from None
    if chunk_ms <= 0:
        raise UserError("--chunk-ms must be positive")
    if raw and inputs != ["-"]:
        raise UserError("--raw reads PCM from stdin; give - as the only input")
    return runtime


@contextmanager
def model_load_errors():
    """A model file that is missing, not a package, or names a decoder or option that
    does not fit: one line, as the package reader words it."""
    from gru_asr.packaging import PackageError

    try:
        yield
    except (PackageError, FileNotFoundError, ValueError) as err:
        raise UserError(str(err)) from None
