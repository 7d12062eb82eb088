from gru_asr.decoders.base import DECODERS, Decoder, Hypothesis, WordTiming, build_decoder
from gru_asr.decoders.greedy import GreedyDecoder

__all__ = ["DECODERS", "Decoder", "GreedyDecoder", "Hypothesis", "WordTiming", "build_decoder"]
