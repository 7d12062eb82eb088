from gru_asr.encoders.base import (
    ENCODERS,
    Encoder,
    StreamingEncoder,
    StreamingNotSupportedError,
    build_encoder,
    require_streaming,
)
from gru_asr.encoders.rnn import BiGRUEncoder, LSTMEncoder

__all__ = [
    "ENCODERS",
    "Encoder",
    "BiGRUEncoder",
    "LSTMEncoder",
    "StreamingEncoder",
    "StreamingNotSupportedError",
    "build_encoder",
    "require_streaming",
]
