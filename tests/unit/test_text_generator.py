"""Tests for the built-in spoken-form sentence generator."""

from __future__ import annotations

import random
import re
import time
from collections import Counter

import pytest

from gru_asr.synth.grammar_data import word_list
from gru_asr.synth.text_generator import (
    SentenceGenerator,
    normalize_spoken,
    number_to_words,
    ordinal_to_words,
    vocabulary,
    year_to_words,
)

SPOKEN = re.compile(r"^[a-z']+( [a-z']+)*$")


@pytest.fixture(scope="module")
def sample() -> list[tuple[str, str]]:
    gen = SentenceGenerator(seed=1234)
    return [gen.sentence_with_family() for _ in range(5000)]


@pytest.fixture(scope="module")
def vocab() -> set[str]:
    return vocabulary()


# --- determinism and uniqueness -------------------------------------------------


def test_same_seed_gives_same_sentences():
    assert SentenceGenerator(seed=7).sentences(300) == SentenceGenerator(seed=7).sentences(300)


def test_different_seeds_give_different_sentences():
    a = SentenceGenerator(seed=1).sentences(300)
    b = SentenceGenerator(seed=2).sentences(300)
    assert a != b
    assert len(set(a) & set(b)) < 60


def test_global_random_state_does_not_matter():
    random.seed(1)
    a = SentenceGenerator(seed=3).sentences(50)
    random.seed(99)
    random.random()
    b = SentenceGenerator(seed=3).sentences(50)
    assert a == b


def test_sentence_and_sentences_follow_the_same_stream():
    gen_a, gen_b = SentenceGenerator(seed=5), SentenceGenerator(seed=5)
    singles = [gen_a.sentence() for _ in range(20)]
    assert gen_b.sentences(20, unique=False) == singles


def test_sentences_are_unique_and_counted():
    out = SentenceGenerator(seed=11).sentences(3000)
    assert len(out) == 3000
    assert len(set(out)) == 3000


def test_sentences_without_uniqueness_returns_n():
    out = SentenceGenerator(seed=11).sentences(500, unique=False)
    assert len(out) == 500
    assert all(isinstance(s, str) and s for s in out)


def test_zero_sentences():
    assert SentenceGenerator().sentences(0) == []


def test_negative_count_is_rejected():
    with pytest.raises(ValueError):
        SentenceGenerator().sentences(-1)


def test_sentences_raises_when_unique_pool_is_exhausted():
    class Stuck(SentenceGenerator):
        def sentence(self) -> str:
            return "the same sentence every time"

    with pytest.raises(ValueError, match="unique"):
        Stuck(seed=0).sentences(2)


def test_twenty_thousand_unique_sentences_quickly():
    start = time.perf_counter()
    out = SentenceGenerator(seed=0).sentences(20000)
    elapsed = time.perf_counter() - start
    assert len(set(out)) == 20000
    assert elapsed < 3.0, f"took {elapsed:.2f} s"


# --- character contract and vocabulary ---------------------------------------------


def test_every_sentence_is_in_spoken_form(sample):
    for _, sentence in sample:
        assert SPOKEN.match(sentence), sentence
        assert normalize_spoken(sentence) == sentence
        assert not any(ch.isdigit() for ch in sentence)


def test_sentence_lengths_are_mostly_four_to_sixteen_words(sample):
    lengths = [len(s.split()) for _, s in sample]
    assert min(lengths) >= 3 and max(lengths) <= 18
    in_range = sum(4 <= n <= 16 for n in lengths) / len(lengths)
    assert in_range > 0.9


def test_vocabulary_is_large(vocab):
    assert len(vocab) >= 2500
    assert all(SPOKEN.match(word) and " " not in word for word in vocab)


def test_vocabulary_contains_names_and_number_words(vocab):
    first_names = word_list("name")
    assert len(set(first_names)) >= 150
    assert set(first_names) <= vocab
    for word in ("twenty", "hundred", "thousand", "third", "quarter", "o'clock", "dollars", "cents", "march"):
        assert word in vocab


def test_all_emitted_words_are_in_vocabulary(sample, vocab):
    emitted = Counter(w for _, s in sample for w in s.split())
    assert set(emitted) - vocab == set()
    # The sample should also exercise a good share of the vocabulary.
    assert len(emitted) > 1500


def test_articles_agree_with_the_next_word(sample):
    vowel_sound_exceptions = ("uni", "use", "usu", "eu", "one", "once")
    for _, sentence in sample:
        words = sentence.split()
        for article, nxt in zip(words, words[1:]):
            if article == "a":
                assert not (nxt[0] in "aeiou" and not nxt.startswith(vowel_sound_exceptions)), sentence
                assert not nxt.startswith("hour"), sentence
            elif article == "an":
                assert nxt[0] in "aeiouh", sentence


def test_no_word_is_doubled(sample):
    for _, sentence in sample:
        words = sentence.split()
        assert all(a != b for a, b in zip(words, words[1:])), sentence


# --- families ----------------------------------------------------------------------


def test_families_are_exposed_and_many_appear(sample):
    families = SentenceGenerator.families
    assert len(families) >= 8
    assert len(set(families)) == len(families)
    seen = Counter(family for family, _ in sample)
    assert set(seen) <= set(families)
    assert len(seen) >= 8
    # With 5000 draws every family, even the rarest, shows up.
    assert set(seen) == set(families)


NUMBER_WORDS = (
    {w for n in range(100) for w in number_to_words(n).split()}
    | {w for n in range(1, 32) for w in ordinal_to_words(n).split()}
    | {"hundred", "thousand", "oh", "half", "quarter", "noon", "midnight"}
)


@pytest.mark.parametrize("family", ["count", "price", "year", "phone", "date", "time"])
def test_numeric_families_speak_their_numbers(sample, family):
    sentences = [s for f, s in sample if f == family]
    assert sentences
    with_numbers = [s for s in sentences if NUMBER_WORDS & set(s.split())]
    # A few templates ("how much is this coat", "the shop is closed on easter")
    # carry no number; nearly all others must.
    assert len(with_numbers) / len(sentences) > 0.85, [s for s in sentences if s not in with_numbers][:5]


# --- numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "n, words",
    [
        (0, "zero"),
        (7, "seven"),
        (13, "thirteen"),
        (20, "twenty"),
        (45, "forty five"),
        (100, "one hundred"),
        (105, "one hundred five"),
        (999, "nine hundred ninety nine"),
        (1000, "one thousand"),
        (2024, "two thousand twenty four"),
        (10_000, "ten thousand"),
        (100_001, "one hundred thousand one"),
        (999_999, "nine hundred ninety nine thousand nine hundred ninety nine"),
    ],
)
def test_number_to_words(n, words):
    assert number_to_words(n) == words


@pytest.mark.parametrize("bad", [-1, 1_000_000])
def test_number_to_words_range(bad):
    with pytest.raises(ValueError):
        number_to_words(bad)


@pytest.mark.parametrize("bad", [1.5, "3", True])
def test_number_to_words_type(bad):
    with pytest.raises(TypeError):
        number_to_words(bad)


@pytest.mark.parametrize(
    "n, words",
    [
        (1, "first"),
        (2, "second"),
        (3, "third"),
        (4, "fourth"),
        (5, "fifth"),
        (8, "eighth"),
        (9, "ninth"),
        (11, "eleventh"),
        (12, "twelfth"),
        (13, "thirteenth"),
        (20, "twentieth"),
        (21, "twenty first"),
        (22, "twenty second"),
        (23, "twenty third"),
        (30, "thirtieth"),
        (31, "thirty first"),
        (100, "one hundredth"),
        (1000, "one thousandth"),
    ],
)
def test_ordinal_to_words(n, words):
    assert ordinal_to_words(n) == words


@pytest.mark.parametrize(
    "year, words",
    [
        (1999, "nineteen ninety nine"),
        (1905, "nineteen oh five"),
        (1900, "nineteen hundred"),
        (2000, "two thousand"),
        (2005, "two thousand five"),
        (2010, "twenty ten"),
        (2024, "twenty twenty four"),
        (1000, "one thousand"),
    ],
)
def test_year_to_words(year, words):
    assert year_to_words(year) == words


def test_number_words_are_in_spoken_form():
    for n in list(range(0, 2100)) + [123_456, 999_999]:
        assert SPOKEN.match(number_to_words(n))
    for n in range(1, 100):
        assert SPOKEN.match(ordinal_to_words(n))


# --- normalisation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("  Hello,   World!  ", "hello world"),
        ("It\u2019s 5 o\u2019clock", "it's o'clock"),
        ("rock-and-roll", "rock and roll"),
        ("Caf\u00e9 d\u00e9j\u00e0 vu", "cafe deja vu"),
        ("\tTabs\nand\r\nnewlines", "tabs and newlines"),
        ("\u2018quoted\u2019", "'quoted'"),
        ("STRASSE stra\u00dfe", "strasse strasse"),
        ("\ufb01ne", "fine"),
        ("call 555-0199 now", "call now"),
        ("", ""),
        ("!!! ??? 123", ""),
        ("don't", "don't"),
    ],
)
def test_normalize_spoken(text, expected):
    assert normalize_spoken(text) == expected


def test_normalize_spoken_is_idempotent():
    messy = "  Jos\u00e9's   caf\u00e9\u2014open 24/7!  "
    once = normalize_spoken(messy)
    assert once == "jose's cafe open"
    assert normalize_spoken(once) == once
