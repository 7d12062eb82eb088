"""Built-in generator of varied English sentences in spoken form.

The sentences feed a synthetic ASR corpus: espeak-ng speaks each sentence and the
very same string is the character-level CTC target.  Every sentence is therefore
in *spoken form*: lowercase ``a-z``, apostrophes and single spaces, with numbers,
dates and times written out the way a speaker says them ("half past seven",
"the fourth of july", "twelve dollars and fifty cents").

The generator expands a small weighted context-free grammar whose words and rules
are data files (gru_asr/synth/data, format in its README.md; assembled by
:mod:`gru_asr.synth.grammar`). A seed fixes the sequence: the corpus of
``make demo`` and recipes/synth is a function of the seed and those files.
"""

from __future__ import annotations

import bisect
import random
import re
import unicodedata

from gru_asr.synth.grammar import compiled, content_words, family_weights, fix_articles, vocabulary
from gru_asr.text.numbers import number_to_words, ordinal_to_words, year_to_words

__all__ = [
    "SentenceGenerator",
    "normalize_spoken",
    "number_to_words",
    "ordinal_to_words",
    "year_to_words",
    "vocabulary",
]

MIN_WORDS = 3
MAX_WORDS = 18

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u0060": "'", "\u00b4": "'",
"\u2032": "'"})
_NOT_SPOKEN = re.compile(r"[^a-z' ]+")
_SPACES = re.compile(r" {2,}")


def normalize_spoken(text: str) -> str:
    """Reduce text to the transcript alphabet: lowercase ``a-z``, ``'`` and single spaces.

    Accents are folded first ("café" -> "cafe") so that accented letters are not
    torn out of their words; every other character becomes a space.
    """
    text = text.translate(_APOSTROPHES)
    # casefold rather than lower: "straße" -> "strasse".
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _NOT_SPOKEN.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


class SentenceGenerator:
    """Deterministic random sentences: the same seed gives the same sequence."""

    families: list[str] = list(family_weights())

    def __init__(self, seed: int = 0):
        self.seed = seed
        self._rng = random.Random(seed)
        self._rules = compiled()
        self._content_words = content_words()
        self._family_cum: list[float] = []
        total = 0.0
        weights = family_weights()
        for family in self.families:
            total += weights[family]
            self._family_cum.append(total)

    def _expand(self, name: str, out: list[str]) -> None:
        rule = self._rules[name]
        if rule.cum_weights is None:
            tokens = self._rng.choice(rule.alternatives)
        else:
            tokens = rule.alternatives[self._weighted_index(rule.cum_weights)]
        for token in tokens:
            if token.__class__ is str:
                out.append(token)
            else:
                self._expand(token.name, out)

    def _acceptable(self, words: list[str]) -> bool:
        if not MIN_WORDS <= len(words) <= MAX_WORDS:
            return False
        # Reject accidental repeats such as "sarah and sarah", "the lazy cat is
        # lazy" or "from paris to paris".
        content = [w for w in words if w in self._content_words]
        if len(content) != len(set(content)):
            return False
        return all(a != b for a, b in zip(words, words[1:]))

    def _weighted_index(self, cum_weights) -> int:
        # Same draw as random.choices; the upper bound guards against rounding
        # of random() * total up to total itself.
        return bisect.bisect_right(cum_weights, self._rng.random() * cum_weights[-1], 0, len(cum_weights) - 1)

    def sentence_with_family(self) -> tuple[str, str]:
        """One random sentence and the name of the family it was drawn from."""
        family = self.families[self._weighted_index(self._family_cum)]
        words: list[str] = []
        for _ in range(50):
            words = []
            self._expand(f"family_{family}", words)
            if self._acceptable(words):
                break
        return family, " ".join(fix_articles(words))

    def sentence(self) -> str:
        return self.sentence_with_family()[1]

    def sentences(self, n: int, unique: bool = True) -> list[str]:
        if n < 0:
            raise ValueError(f"n must be non-negative, got {n}")
        if not unique:
            return [self.sentence() for _ in range(n)]
        seen: dict[str, None] = {}
        max_draws = 20 * n + 1000
        for _ in range(max_draws):
            if len(seen) >= n:
                break
            seen.setdefault(self.sentence(), None)
        if len(seen) < n:
            raise ValueError(f"found only {len(seen)} unique sentences out of {n} in {max_draws} draws")
        return list(seen)
