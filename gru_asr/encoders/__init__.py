from gru_asr.encoders.base import ENCODERS, Encoder, build_encoder
from gru_asr.encoders.rnn import BiGRUEncoder, LSTMEncoder

__all__ = ["ENCODERS", "Encoder", "BiGRUEncoder", "LSTMEncoder", "build_encoder"]
