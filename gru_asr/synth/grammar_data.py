"""The data files of the synthetic sentence grammar (``gru_asr/synth/data``; the
format is in its README.md), read once and checked.

This module only turns files into tuples; :mod:`gru_asr.synth.grammar` builds the
rules from them. A file that does not parse raises :class:`GrammarDataError`,
whose one-line message names the file, the line and the cause.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from typing import NamedTuple

from gru_asr.text.numbers import number_to_words, ordinal_to_words, year_to_words

__all__ = [
    "GrammarDataError",
    "NounCategory",
    "article_prefixes",
    "noun_categories",
    "plural",
    "rule_file",
    "table",
    "verb_forms",
    "verb_lists",
    "word_list",
    "word_lists",
]

EMPTY = "<empty>"  # an alternative that expands to nothing
_SECTION = re.compile(r"^\[([A-Za-z0-9_]+)\]$")
_WEIGHT = re.compile(r"^(.*?) ?\[(\d+(?:\.\d+)?)\]$")
_SPOKEN = re.compile(r"^[a-z']+( [a-z']+)*$")
_VERB = re.compile(r"^[a-z]+(\+[a-z]+)*$")
_RANGE = re.compile(r"^(\d+)-(\d+)(?: by (\d+))?$")
_NUMBER_DIRECTIVES = {"numbers": number_to_words, "ordinals": ordinal_to_words, "years": year_to_words}


class GrammarDataError(ValueError):
    """A grammar data file that does not parse (``file:line: cause``)."""


class Line(NamedTuple):
    where: str  # "words/people.txt:12", for messages
    text: str  # stripped, runs of spaces collapsed


def _data():
    return resources.files("gru_asr.synth") / "data"


@functools.cache
def _lines(relpath: str) -> tuple[Line, ...]:
    """The lines of a data file that are neither blank nor ``#`` comments."""
    raw = (_data() / relpath).read_text(encoding="utf-8")
    out = []
    for number, line in enumerate(raw.splitlines(), 1):
        text = " ".join(line.split())
        if text and not text.startswith("#"):
            out.append(Line(f"{relpath}:{number}", text))
    return tuple(out)


@functools.cache
def _sections(relpath: str) -> dict[str, tuple[Line, ...]]:
    """``[name]`` headers and the lines under each."""
    sections: dict[str, list[Line]] = {}
    current: list[Line] | None = None
    for line in _lines(relpath):
        header = _SECTION.match(line.text)
        if header:
            if header.group(1) in sections:
                raise GrammarDataError(f"{line.where}: section [{header.group(1)}] appears twice in the file")
            current = sections[header.group(1)] = []
        elif line.text.startswith("["):
            raise GrammarDataError(f"{line.where}: {line.text!r} is not a section header (letters, digits and _)")
        elif current is None:
            raise GrammarDataError(f"{line.where}: {line.text!r} comes before the first [section]")
        else:
            current.append(line)
    for name, lines in sections.items():
        if not lines:
            raise GrammarDataError(f"{relpath}: section [{name}] is empty")
    return {name: tuple(lines) for name, lines in sections.items()}


def _files(folder: str) -> list[str]:
    return sorted(f"{folder}/{p.name}" for p in (_data() / folder).iterdir() if p.name.endswith(".txt"))


@functools.cache
def rule_file(relpath: str) -> dict[str, tuple[tuple[str, float], ...]]:
    """Grammar rules: each section a rule, each line an alternative ``(text, weight)``;
    a trailing ``[2]`` or ``[0.5]`` is the weight (default 1), ``<empty>`` is nothing."""
    rules = {}
    for name, lines in _sections(relpath).items():
        alternatives = []
        for line in lines:
            text, weight = line.text, 1.0
            weighted = _WEIGHT.match(text)
            if weighted:
                text, weight = weighted.group(1), float(weighted.group(2))
            if text == EMPTY:
                text = ""
            elif not text or any(c in text for c in "[]<>@"):
                raise GrammarDataError(f"{line.where}: {line.text!r} is not 'words {{rule}} ... [weight]' nor {EMPTY}")
            if weight <= 0:
                raise GrammarDataError(f"{line.where}: {line.text!r}: a weight is above zero")
            alternatives.append((text, weight))
        rules[name] = tuple(alternatives)
    return rules


@functools.cache
def rule_files(folder: str = "grammar") -> dict[str, tuple[tuple[str, float], ...]]:
    """The rules of every ``*.txt`` in ``folder``; a rule name is defined once."""
    rules: dict[str, tuple[tuple[str, float], ...]] = {}
    for relpath in _files(folder):
        for name, alternatives in rule_file(relpath).items():
            if name in rules:
                raise GrammarDataError(f"{relpath}: rule [{name}] is also defined in another file of {folder}/")
            rules[name] = alternatives
    return rules


@functools.cache
def table(relpath: str, columns: int) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``(where, cells)`` for each line of a table of ``columns`` space-separated
    columns; the last column takes the rest of the line."""
    rows = []
    for line in _lines(relpath):
        cells = tuple(line.text.split(" ", columns - 1))
        if len(cells) != columns:
            raise GrammarDataError(f"{line.where}: {columns} columns expected, found {len(cells)}: {line.text!r}")
        rows.append((line.where, cells))
    if not rows:
        raise GrammarDataError(f"{relpath}: the table is empty")
    return tuple(rows)


# --- word lists ------------------------------------------------------------------------


@functools.cache
def word_lists() -> dict[str, tuple[str, ...]]:
    """Every word list of ``words/*.txt`` by name, directives expanded."""
    return _lists(tuple(_files("words")), _SPOKEN, "lowercase a-z, ' and spaces")


@functools.cache
def verb_lists() -> dict[str, tuple[str, ...]]:
    """The verb lists of ``verbs.txt``: base forms, "+" joining a particle ("look+for")."""
    return _lists(("verbs.txt",), _VERB, "a verb in lowercase a-z, + before a particle")


def _lists(relpaths: tuple[str, ...], form: re.Pattern, form_name: str) -> dict[str, tuple[str, ...]]:
    raw: dict[str, tuple[Line, ...]] = {}
    for relpath in relpaths:
        for name, lines in _sections(relpath).items():
            if name in raw:
                raise GrammarDataError(f"{lines[0].where}: word list [{name}] is also defined at {raw[name][0].where}")
            raw[name] = lines
    resolved: dict[str, tuple[str, ...]] = {}

    def resolve(name: str, where: str, pending: tuple[str, ...] = ()) -> tuple[str, ...]:
        if name in resolved:
            return resolved[name]
        if name not in raw:
            raise GrammarDataError(f"{where}: there is no list [{name}] in {', '.join(relpaths)}")
        if name in pending:
            raise GrammarDataError(f"{where}: list [{name}] includes itself ({' -> '.join(pending + (name,))})")
        words: dict[str, str] = {}
        for line in raw[name]:
            if not line.text.startswith("@") and not form.match(line.text):
                raise GrammarDataError(f"{line.where}: {line.text!r} is not {form_name}")
            for word in _expand(line, lambda other: resolve(other, line.where, pending + (name,))):
                if word in words:
                    raise GrammarDataError(f"{line.where}: {word!r} is already in [{name}] ({words[word]})")
                words[word] = line.where
        resolved[name] = tuple(words)
        return resolved[name]

    return {name: resolve(name, lines[0].where) for name, lines in raw.items()}


def word_list(name: str) -> tuple[str, ...]:
    """One word list, e.g. ``word_list("female_name")``."""
    lists = word_lists()
    if name not in lists:
        raise KeyError(f"no word list {name!r} in gru_asr/synth/data/words")
    return lists[name]


def _expand(line: Line, resolve) -> list[str]:
    """The words of one line of a word list: a word or phrase, or a directive."""
    if not line.text.startswith("@"):
        return [line.text]
    directive, _, argument = line.text[1:].partition(" ")
    if not argument:
        return list(resolve(directive))
    if directive == "plural":
        return [plural(word) for word in resolve(argument)]
    if directive == "possessive":
        return [word + "'s" for word in resolve(argument)]
    if directive in _NUMBER_DIRECTIVES:
        bounds = _RANGE.match(argument)
        if not bounds:
            raise GrammarDataError(f"{line.where}: {line.text!r}: the range is written FIRST-LAST or FIRST-LAST by STEP")
        first, last, step = int(bounds.group(1)), int(bounds.group(2)), int(bounds.group(3) or 1)
        try:
            return [_NUMBER_DIRECTIVES[directive](n) for n in range(first, last + 1, step)]
        except ValueError as e:
            raise GrammarDataError(f"{line.where}: {e}") from None
    raise GrammarDataError(
        f"{line.where}: unknown directive {line.text!r} (@LIST, @plural LIST, @possessive LIST, "
        "@numbers, @ordinals or @years FIRST-LAST)"
    )


# --- English morphology and the tables -------------------------------------------------


@functools.cache
def _irregular_plurals() -> dict[str, str]:
    return {singular: plural for _, (singular, plural) in table("plurals.txt", 2)}


def plural(noun: str) -> str:
    """Plural of a (possibly multi-word) noun; only the last word changes."""
    head, _, last = noun.rpartition(" ")
    irregular = _irregular_plurals()
    if last in irregular:
        last = irregular[last]
    elif last.endswith(("s", "x", "z", "ch", "sh")):
        last += "es"
    elif last.endswith("y") and last[-2] not in "aeiou":
        last = last[:-1] + "ies"
    else:
        last += "s"
    return f"{head} {last}" if head else last


@functools.cache
def verb_forms() -> dict[str, tuple[str, ...]]:
    """``base -> (base, s, past, ing, pp)`` from verb_forms.txt."""
    forms = {}
    for where, cells in table("verb_forms.txt", 5):
        if " " in cells[-1]:
            raise GrammarDataError(f"{where}: a verb has five forms, found {4 + len(cells[-1].split())}")
        if cells[0] in forms:
            raise GrammarDataError(f"{where}: the verb {cells[0]!r} is listed twice")
        forms[cells[0]] = cells
    return forms


@functools.cache
def article_prefixes() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Word beginnings that take "a" despite a vowel letter, and "an" despite a consonant."""
    sections = _sections("articles.txt")
    try:
        return tuple(line.text for line in sections["a_before"]), tuple(line.text for line in sections["an_before"])
    except KeyError as e:
        raise GrammarDataError(f"articles.txt: no section [{e.args[0]}]") from None


class NounCategory(NamedTuple):
    name: str
    singulars: tuple[str, ...]
    adjectives: tuple[str, ...]  # fine both before a noun and after "is"
    attributive: tuple[str, ...]  # only before a noun ("my favorite cup")
    plural_source: tuple[str, ...]  # the nouns used in the plural
    plural_only: tuple[str, ...]  # "jeans", "scissors"


@functools.cache
def noun_categories() -> tuple[NounCategory, ...]:
    """The rows of nouns.txt with their word lists looked up ("-" is none)."""
    lists = word_lists()

    def words(where: str, name: str) -> tuple[str, ...]:
        if name == "-":
            return ()
        if name not in lists:
            raise GrammarDataError(f"{where}: there is no word list [{name}]")
        return lists[name]

    categories = []
    for where, (name, singular, adjectives, attributive, plural_from, plural_only) in table("nouns.txt", 6):
        singulars = words(where, singular)
        categories.append(NounCategory(
            name, singulars, words(where, adjectives), words(where, attributive),
            singulars if plural_from == "-" else words(where, plural_from), words(where, plural_only),
        ))
    return tuple(categories)
