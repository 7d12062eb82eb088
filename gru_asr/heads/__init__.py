from gru_asr.heads.ctc import HEADS, CTCHead, Head, build_head

__all__ = ["HEADS", "CTCHead", "Head", "build_head"]
