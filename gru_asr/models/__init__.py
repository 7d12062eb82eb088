from gru_asr.models.ctc_model import CTCModel

__all__ = ["CTCModel"]
