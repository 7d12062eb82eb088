"""One English number spelling (gru_asr.text.numbers) for the normalizer, the
synthetic corpus and AN4-style text."""

from __future__ import annotations

import pytest

from gru_asr.corpora import an4
from gru_asr.synth import text_generator
from gru_asr.text import TextNormalizer
from gru_asr.text.numbers import cardinal, number_to_words, ordinal_to_words, spell_digits, year_to_words


def test_every_caller_uses_the_one_module():
    assert text_generator.number_to_words is number_to_words
    assert text_generator.ordinal_to_words is ordinal_to_words
    assert text_generator.year_to_words is year_to_words
    assert an4.number_to_words is number_to_words


@pytest.mark.parametrize(
    "n, words",
    [
        (0, "zero"), (19, "nineteen"), (20, "twenty"), (99, "ninety nine"), (100, "one hundred"),
        (101, "one hundred one"), (110, "one hundred ten"), (1000, "one thousand"),
        (1001, "one thousand one"), (12_345, "twelve thousand three hundred forty five"),
        (1_000_000, "one million"), (1_000_005, "one million five"),
        (20_000_300, "twenty million three hundred"),
        (999_999_999, "nine hundred ninety nine million nine hundred ninety nine thousand nine hundred ninety nine"),
        (10**9, "one billion"), (2 * 10**9 + 3, "two billion three"),
    ],
)
def test_cardinal(n, words):
    assert cardinal(n) == words


def test_number_to_words_is_cardinal_below_a_million():
    assert all(number_to_words(n) == cardinal(n) for n in range(0, 1_000_000, 7))
    # The one difference between the callers: the sentence generators stop below a
    # million (their templates never need more) where the normalizer goes on.
    with pytest.raises(ValueError):
        number_to_words(1_000_000)
    assert spell_digits("1000000") == "one million"


@pytest.mark.parametrize(
    "digits, words",
    [
        ("0", "zero"), ("7", "seven"), ("42", "forty two"), ("2024", "two thousand twenty four"),
        ("123456789", "one hundred twenty three million four hundred fifty six thousand seven hundred eighty nine"),
        # ids and phone numbers: a leading zero, or more than nine digits, reads digit by digit
        ("007", "zero zero seven"), ("00", "zero zero"), ("0199", "zero one nine nine"),
        ("1234567890", "one two three four five six seven eight nine zero"),
    ],
)
def test_spell_digits(digits, words):
    assert spell_digits(digits) == words


@pytest.mark.parametrize(
    "text, spoken",
    [
        ("Room 101", "room one hundred one"),
        ("call 555-0199", "call five hundred fifty five zero one nine nine"),
        ("in 2024 and 1999", "in two thousand twenty four and one thousand nine hundred ninety nine"),
        ("id 12345678901", "id one two three four five six seven eight nine zero one"),
        ("x\u00b2 and \u0663", "x two and three"),  # NFKC superscript, and a non-ASCII digit
    ],
)
def test_normalizer_spells_numbers_with_the_module(text, spoken):
    assert TextNormalizer(digits="spell")(text) == spoken


def test_normalizer_and_generator_agree_on_every_number_below_a_million():
    norm = TextNormalizer(digits="spell")
    for n in list(range(0, 2000)) + list(range(2000, 1_000_000, 997)):
        assert norm(str(n)) == number_to_words(n)


def test_ordinals_and_years_use_the_same_words():
    assert ordinal_to_words(21) == "twenty first" and ordinal_to_words(100_000) == "one hundred thousandth"
    assert year_to_words(1905) == "nineteen oh five" and year_to_words(2007) == "two thousand seven"
    with pytest.raises(ValueError):
        ordinal_to_words(1_000_000)
    with pytest.raises(ValueError):
        year_to_words(2100)
