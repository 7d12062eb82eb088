from gru_asr.tokenizers.base import TOKENIZERS, Tokenizer, build_tokenizer
from gru_asr.tokenizers.char import CharTokenizer

__all__ = ["TOKENIZERS", "Tokenizer", "CharTokenizer", "build_tokenizer"]
