"""The sentence grammar: rules assembled from the data files (gru_asr/synth/data)
and compiled for fast expansion.

A rule is a tuple of alternatives ``(text, weight)``; inside ``text``, ``{name}``
expands rule ``name`` and every other token is a literal word. The rules are

* every word list of ``words/*.txt`` (one alternative per word or phrase);
* per noun category of ``nouns.txt``: ``<c>_sg``, ``<c>_pl``, ``<c>_adj``,
  ``<c>_attr`` and the noun phrases of ``noun_phrases.txt`` (X = the category);
* per verb group of ``verb_groups.txt`` and verb form: ``v_<g>_<form>`` and
  ``vp_<g>_<form>`` (``verb_phrases.txt``), and ``vp_<form>`` over the groups;
* ``<rule>_<form>`` of ``verb_rules.txt``;
* the rules of ``grammar/*.txt`` as written, the sentence families among them.

:func:`vocabulary` walks the very rules the generator expands, so the vocabulary
cannot drift from what the generator emits.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from gru_asr.synth.grammar_data import (
    GrammarDataError,
    article_prefixes,
    noun_categories,
    plural,
    rule_file,
    rule_files,
    table,
    verb_forms,
    verb_lists,
    word_list,
    word_lists,
)

VERB_FORM_NAMES = ("base", "s", "past", "ing", "pp")
# Nouns, adjectives and these lists are "content words": a second use in one
# sentence reads as a glitch ("sarah and sarah", "from paris to paris").
_CONTENT_LISTS = ("name", "city", "country", "meal")
_SLOT = re.compile(r"^\{([a-z0-9_]+)\}$")
_WORD = re.compile(r"^[a-z']+$")

Alternatives = tuple[tuple[str, float], ...]


@functools.cache
def family_weights() -> dict[str, float]:
    """Sentence family -> relative weight, in the order of families.txt (which is
    part of the seeded draw)."""
    return {family: _number(where, weight) for where, (family, weight) in table("families.txt", 2)}


def _number(where: str, weight: str) -> float:
    try:
        value = float(weight)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise GrammarDataError(f"{where}: the weight {weight!r} is not a number above zero")
    return value


def _inflect(verb: str, form: str) -> str:
    """Inflect "wait+for" as e.g. "waited for"; the particle never changes."""
    base, *particles = verb.split("+")
    return " ".join([verb_forms()[base][VERB_FORM_NAMES.index(form)], *particles])


def _verbs(where: str, name: str) -> tuple[str, ...]:
    lists = verb_lists()
    if name not in lists:
        raise GrammarDataError(f"{where}: there is no verb list [{name}] in verbs.txt")
    for verb in lists[name]:
        if verb.split("+")[0] not in verb_forms():
            raise GrammarDataError(f"{where}: the verb {verb.split('+')[0]!r} of [{name}] has no line in verb_forms.txt")
    return lists[name]


def _words(words) -> Alternatives:
    return tuple((w, 1.0) for w in dict.fromkeys(words))


def _slot(name: str) -> str:
    return "{" + name + "}"


@functools.cache
def grammar() -> dict[str, Alternatives]:
    """Every rule by name."""
    rules: dict[str, Alternatives] = {}

    def add(name: str, alternatives: Alternatives) -> None:
        if name in rules:
            raise GrammarDataError(f"grammar rule [{name}] is defined twice (a word list, a grammar rule or a made one)")
        rules[name] = alternatives

    lists = word_lists()
    for name, words in lists.items():
        add(name, _words(words))

    noun_phrases = rule_file("noun_phrases.txt")
    for cat in noun_categories():
        add(f"{cat.name}_sg", _words(cat.singulars))
        add(f"{cat.name}_pl", _words(tuple(plural(w) for w in cat.plural_source) + cat.plural_only))
        add(f"{cat.name}_adj", _words(cat.adjectives))
        add(f"{cat.name}_attr", _words(cat.adjectives + cat.attributive))
        for pattern, alternatives in noun_phrases.items():
            add(pattern.replace("X", cat.name), tuple((text.replace("X", cat.name), w) for text, w in alternatives))

    verb_phrases = rule_file("verb_phrases.txt")
    groups = table("verb_groups.txt", 5)
    for where, (group, verbs, obj, modifier, _) in groups:
        for form in VERB_FORM_NAMES:
            verb_rule = f"v_{group}_{form}"
            add(verb_rule, _words(_inflect(v, form) for v in _verbs(where, verbs)))
            fill = {"{VERB}": _slot(verb_rule), "{OBJECT}": _slot(obj), "{MODIFIER}": _slot(modifier)}
            pattern = verb_phrases["intransitive" if obj == "-" else "transitive"]
            add(f"vp_{group}_{form}", tuple((_fill(text, fill), w) for text, w in pattern))
    for form in VERB_FORM_NAMES:
        add(f"vp_{form}", tuple((_slot(f"vp_{row[0]}_{form}"), _number(where, row[4])) for where, row in groups))

    for where, (rule, verbs, forms) in table("verb_rules.txt", 3):
        for form in forms.split():
            if form not in VERB_FORM_NAMES:
                raise GrammarDataError(f"{where}: {form!r} is not a verb form ({', '.join(VERB_FORM_NAMES)})")
            add(f"{rule}_{form}", tuple((_inflect(v, form), 1.0) for v in _verbs(where, verbs)))

    for name, alternatives in rule_files("grammar").items():
        add(name, alternatives)
    families = {f"family_{f}" for f in family_weights()}
    if families != {name for name in rules if name.startswith("family_")}:
        raise GrammarDataError("families.txt and the family_<name> rules of grammar/ must name the same families")
    return rules


def _fill(text: str, fill: dict[str, str]) -> str:
    for placeholder, slot in fill.items():
        text = text.replace(placeholder, slot)
    return text


class Rule(NamedTuple):
    alternatives: tuple[tuple, ...]  # each a tuple of tokens: str = word, Ref = rule
    cum_weights: tuple[float, ...] | None  # None when all weights are equal


class Ref(NamedTuple):
    name: str


@functools.cache
def compiled() -> dict[str, Rule]:
    """Every alternative pre-split into tokens, so that expansion does no parsing."""
    rules = grammar()
    out: dict[str, Rule] = {}
    for name, alternatives in rules.items():
        if not alternatives:
            raise GrammarDataError(f"grammar rule [{name}] has no alternatives")
        token_lists, weights = [], []
        for text, weight in alternatives:
            tokens = []
            for token in text.split():
                match = _SLOT.match(token)
                if match:
                    if match.group(1) not in rules:
                        raise GrammarDataError(f"grammar rule [{name}] refers to unknown rule {{{match.group(1)}}}")
                    tokens.append(Ref(match.group(1)))
                elif not _WORD.match(token):
                    raise GrammarDataError(f"grammar rule [{name}]: {token!r} is neither a {{rule}} nor a spoken word")
                else:
                    tokens.append(token)
            token_lists.append(tuple(tokens))
            weights.append(float(weight))
        cum = None
        if len(set(weights)) > 1:
            total, cum_list = 0.0, []
            for w in weights:
                total += w
                cum_list.append(total)
            cum = tuple(cum_list)
        out[name] = Rule(tuple(token_lists), cum)
    return out


@functools.cache
def content_words() -> frozenset[str]:
    """Nouns, adjectives and names: a second use in one sentence reads as a glitch."""
    words: set[str] = set()
    for cat in noun_categories():
        for phrase in cat.singulars + cat.adjectives + cat.attributive + cat.plural_only:
            words.update(phrase.split())
        for noun in cat.plural_source:
            words.update(plural(noun).split())
    for name in _CONTENT_LISTS:
        for phrase in word_list(name):
            words.update(phrase.split())
    return frozenset(words)


def _takes_an(word: str) -> bool:
    a_before, an_before = article_prefixes()
    if word.startswith(an_before):
        return True
    if word.startswith(a_before):
        return False
    return word[0] in "aeiou"


def fix_articles(words: list[str]) -> list[str]:
    """"a" becomes "an" before a vowel sound (articles.txt has the exceptions)."""
    for i in range(len(words) - 1):
        if words[i] == "a" and _takes_an(words[i + 1]):
            words[i] = "an"
    return words


def _reachable_rules() -> set[str]:
    rules = compiled()
    seen: set[str] = set()
    stack = [f"family_{family}" for family in family_weights()]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        for tokens in rules[name].alternatives:
            stack.extend(t.name for t in tokens if isinstance(t, Ref))
    return seen


def vocabulary() -> set[str]:
    """Every word the generator can emit, read off the grammar it expands."""
    rules = compiled()
    words: set[str] = set()
    for name in _reachable_rules():
        for tokens in rules[name].alternatives:
            words.update(t for t in tokens if isinstance(t, str))
    if "a" in words:
        words.add("an")
    return words
