import pytest

from gru_asr.text import TextNormalizer
from gru_asr.tokenizers import CharTokenizer, build_tokenizer


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("Hello, World!", "hello world"),
        ("It\u2019s  'quoted' text.", "it's quoted text"),
        ("Caf\u00e9 na\u00efve", "cafe naive"),
        ("I have 3 cats and 21 dogs", "i have three cats and twenty one dogs"),
        ("In 1999", "in one thousand nine hundred ninety nine"),
        ("call 0123", "call zero one two three"),
        ("  \t ", ""),
    ],
)
def test_normalizer(raw, expected):
    assert TextNormalizer()(raw) == expected


def test_normalizer_digit_modes():
    assert TextNormalizer(digits="drop")("room 101 now") == "room now"
    assert TextNormalizer(digits="keep")("room 101") == "room 101"
    with pytest.raises(ValueError):
        TextNormalizer(digits="roman")


def test_char_tokenizer_round_trip():
    tok = CharTokenizer()
    text = "don't stop me now"
    ids = tok.encode(text)
    assert 0 not in ids  # blank is never a label
    assert tok.decode(ids) == text
    assert tok.vocab_size == 29


def test_char_tokenizer_reports_unknown_characters():
    tok = CharTokenizer()
    assert tok.unknown_chars("abc1!") == {"1", "!"}
    with pytest.raises(ValueError, match="not in the tokenizer"):
        tok.encode("abc1")


def test_tokenizer_config_rebuilds_identically():
    tok = CharTokenizer(symbols=[" ", "a", "b"])
    again = build_tokenizer(tok.to_config())
    assert again.symbols == tok.symbols and again.encode("ab ba") == tok.encode("ab ba")


@pytest.mark.parametrize("model_type", ["unigram", "bpe"])
def test_sentencepiece_train_round_trip_and_rebuild(model_type):
    from gru_asr.synth.text_generator import SentenceGenerator
    from gru_asr.tokenizers import SentencePieceTokenizer

    sents = SentenceGenerator(seed=0).sentences(500)
    tok = SentencePieceTokenizer.train(sents, vocab_size=120, model_type=model_type)
    text = "please call my mother tomorrow"
    ids = tok.encode(text)
    assert 0 not in ids and tok.decode(ids) == text
    assert tok.word_boundary(ids[0])
    again = build_tokenizer(tok.to_config())
    assert again.encode(text) == ids and again.vocab_size == tok.vocab_size
    assert tok.unknown_chars("caf\u00e9 9") == {"\u00e9", "9"}
