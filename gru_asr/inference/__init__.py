from gru_asr.inference.api import Model, TranscriptionResult

__all__ = ["Model", "TranscriptionResult"]
