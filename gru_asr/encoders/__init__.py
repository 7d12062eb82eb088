from gru_asr.encoders.base import (
    ENCODERS,
    Encoder,
    StreamingEncoder,
    StreamingNotSupportedError,
    build_encoder,
    require_streaming,
)
from gru_asr.encoders.rnn import BiGRUEncoder, LSTMEncoder
from gru_asr.encoders.subsampling import MaskedBatchNorm1d

__all__ = [
    "ENCODERS",
    "Encoder",
    "BiGRUEncoder",
    "LSTMEncoder",
    "MaskedBatchNorm1d",
    "StreamingEncoder",
    "StreamingNotSupportedError",
    "build_encoder",
    "require_streaming",
]
