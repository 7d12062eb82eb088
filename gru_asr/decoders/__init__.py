from gru_asr.decoders.base import DECODERS, Decoder, Hypothesis, TokenAlignment, WordTiming, build_decoder
from gru_asr.decoders.beam import BeamDecoder, KenLMBeamDecoder
from gru_asr.decoders.greedy import GreedyDecoder

__all__ = ["BeamDecoder", "KenLMBeamDecoder", "DECODERS", "Decoder", "GreedyDecoder", "Hypothesis", "TokenAlignment", "WordTiming", "build_decoder"]
