"""Transcription: inputs (:mod:`.inputs`) -> a runtime behind one interface
(:mod:`.transcriber`: PyTorch :mod:`.api`, ONNX :mod:`.onnx_runtime`, :mod:`.streaming`;
picked by :mod:`.runtimes`) -> formats (:mod:`.formats`). :mod:`.core` is what they share.

``Model`` and ``TranscriptionResult`` are imported on first use: the torch-free modules
(the core, the ONNX runtime, the formats) must be importable without torch."""


def __getattr__(name: str):
    if name == "Model":
        from gru_asr.inference.api import Model

        return Model
    if name == "TranscriptionResult":
        from gru_asr.inference.core import Transcription

        return Transcription
    raise AttributeError(f"module 'gru_asr.inference' has no attribute {name!r}")


__all__ = ["Model", "TranscriptionResult"]
