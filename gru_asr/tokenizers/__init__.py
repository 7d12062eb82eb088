from gru_asr.tokenizers.base import TOKENIZERS, Tokenizer, build_tokenizer
from gru_asr.tokenizers.char import CharTokenizer
from gru_asr.tokenizers.sentencepiece import SentencePieceTokenizer

__all__ = ["TOKENIZERS", "Tokenizer", "CharTokenizer", "SentencePieceTokenizer", "build_tokenizer"]
