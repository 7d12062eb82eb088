"""English number words: the one spelling shared by transcript normalization
(``digits: spell``), the synthetic corpus and AN4-style text.

American style, without "and": 105 is "one hundred five", 2024 "two thousand
twenty four". The callers differ only in how far they go, and each keeps its own
limit: :func:`number_to_words` (the sentence generators) stops below a million,
:func:`spell_digits` (the normalizer) spells up to nine digits as a number and
reads longer strings, or ones with a leading zero, digit by digit.
"""

from __future__ import annotations

__all__ = ["ONES", "TENS", "cardinal", "number_to_words", "ordinal_to_words", "spell_digits", "year_to_words"]

ONES = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
    "seventeen", "eighteen", "nineteen",
)
TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_SCALES = ((10**9, "billion"), (10**6, "million"), (1000, "thousand"), (100, "hundred"))
# Only the final word of a number changes in its ordinal: "twenty one" -> "twenty first".
_IRREGULAR_ORDINALS = {
    "one": "first", "two": "second", "three": "third", "five": "fifth",
    "eight": "eighth", "nine": "ninth", "twelve": "twelfth",
}


def cardinal(n: int) -> str:
    """Any ``n >= 0`` in words, with no range check (billions are the largest unit:
    10**12 is "one thousand billion")."""
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + ONES[n % 10])
    for unit, name in _SCALES:
        if n >= unit:
            rest = n % unit
            return f"{cardinal(n // unit)} {name}" + (f" {cardinal(rest)}" if rest else "")
    raise AssertionError(n)


def number_to_words(n: int) -> str:
    """Spell ``0 <= n < 1_000_000`` the American way, without "and".

    >>> number_to_words(105)
    'one hundred five'
    >>> number_to_words(2024)
    'two thousand twenty four'
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"number_to_words expects an int, got {type(n).__name__}")
    if not 0 <= n < 1_000_000:
        raise ValueError(f"number_to_words supports 0 <= n < 1000000, got {n}")
    return cardinal(n)


def spell_digits(digits: str) -> str:
    """A run of digits as a transcript says it: up to nine digits as a number
    ("2024" -> "two thousand twenty four"); ids and phone numbers, that is longer
    runs or runs with a leading zero, digit by digit ("007" -> "zero zero seven")."""
    if len(digits) > 9 or (len(digits) > 1 and digits.startswith("0")):
        return " ".join(ONES[int(d)] for d in digits)
    return cardinal(int(digits))


def ordinal_to_words(n: int) -> str:
    """Spell an ordinal, e.g. ``3 -> "third"``, ``21 -> "twenty first"``."""
    *head, last = number_to_words(n).split()
    if last in _IRREGULAR_ORDINALS:
        last = _IRREGULAR_ORDINALS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return " ".join(head + [last])


def year_to_words(year: int) -> str:
    """Read a year the way people say it: 1999 -> "nineteen ninety nine".

    2000-2009 keep the "two thousand five" reading, other years ending in 01-09
    use "oh" ("nineteen oh five"), round centuries say "hundred" ("nineteen
    hundred") except whole millennia ("one thousand").
    """
    if not 1000 <= year <= 2099:
        raise ValueError(f"year_to_words supports 1000..2099, got {year}")
    if 2000 <= year <= 2009 or year % 1000 == 0:
        return number_to_words(year)
    century, rest = divmod(year, 100)
    head = number_to_words(century)
    if rest == 0:
        return f"{head} hundred"
    if rest < 10:
        return f"{head} oh {ONES[rest]}"
    return f"{head} {number_to_words(rest)}"
