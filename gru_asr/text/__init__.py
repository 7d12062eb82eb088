from gru_asr.text.normalize import TextNormalizer

__all__ = ["TextNormalizer"]
