from gru_asr.lm.ngram import build_arpa, train_ngram

__all__ = ["build_arpa", "train_ngram"]
