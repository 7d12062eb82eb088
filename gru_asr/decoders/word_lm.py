"""A word n-gram for flashlight's lexicon-free search: open vocabulary, words scored whole.

flashlight's ``LexiconFreeDecoder`` asks its LM for a score at every token it emits.
Handing it KenLM directly (what ``torchaudio``'s ``ctc_decoder`` does without a
lexicon) scores each character as if it were a word of the word n-gram: every token
is an unknown word. ``WordLM`` sits between the two: it spells the current word
from the tokens and scores it with the word n-gram when the word ends (a space
token, a word piece that starts a new word, or the end of the utterance), the
search space of pyctcdecode. Words the n-gram does not know can still be output:
they get its ``<unk>`` probability plus ``unk_score``.

Scores are in the decoder's units (natural-log acoustic scale): a word costs
``lm_weight * log10 P(word | history) + word_score`` (+ ``unk_score`` if unknown),
and the end of the utterance ``lm_weight * log10 P(</s> | history)``.

Lookahead: a partial word that starts no known word already pays ``unk_score``
(pyctcdecode does the same), so that misspellings are pruned before they end;
the payment is returned when the word ends, so complete hypotheses are scored as
above. With ``unk_score`` -inf the search is held to the n-gram's vocabulary.

LM states are a trie of the emitted tokens (``LMState.child``): flashlight merges
two hypotheses only when their states are the same object, so only hypotheses
spelling the same text merge, as in a CTC prefix beam search.
"""

from __future__ import annotations

from dataclasses import dataclass

from flashlight.lib.text.decoder import LM, LMState

SPACE, STARTS_WORD, CONTINUES_WORD = 0, 1, 2  # what a token does to the current word
_PRUNED = float("-inf")


@dataclass(frozen=True)
class WordVocabulary:
    """An ARPA n-gram loaded for ``WordLM``: flashlight's KenLM over the n-gram's own
    vocabulary, the index of each known word, ``<unk>``'s index and every prefix of a
    known word (the lookahead). Read-only: any number of ``WordLM`` share one."""

    kenlm: object
    index: dict
    unk: int
    prefixes: frozenset


class WordLM(LM):
    """``token_roles[i]`` is ``(role, text)`` for token id ``i``: a space ends the
    current word, a piece that starts a word ends it and starts a new one with
    ``text``, any other token appends ``text`` to it."""

    def __init__(self, vocabulary: WordVocabulary, token_roles: list[tuple[int, str]],
                 lm_weight: float, word_score: float, unk_score: float):
        LM.__init__(self)
        self._kenlm = vocabulary.kenlm  # flashlight's KenLM over the n-gram's own vocabulary
        self._index = vocabulary.index
        self._unk = vocabulary.unk
        self._roles = token_roles
        self._lm_weight, self._word_score, self._unk_score = lm_weight, word_score, unk_score
        self._prefixes = vocabulary.prefixes
        # state -> (KenLM state, partial word, its lookahead payment, score of the
        # token that led here). Holding the state also keeps its Python wrapper alive,
        # so flashlight hands back the same object and the lookup finds it.
        self._states: dict = {}
        self._scored: dict = {}  # (state, token) -> (child state, score)
        # Token pruning (the decoder's token_min_logp): the tokens the search may emit in
        # the frame being decoded. flashlight asks for an LM score before it prunes, so a
        # token left out is answered here at once, with -inf (the candidate is dropped).
        self.allowed: list[bool] = [True] * len(token_roles)

    def start(self, start_with_nothing: bool):
        root = LMState()
        self._states = {root: (self._kenlm.start(False), "", 0.0, 0.0)}
        self._scored = {}
        return root

    def score(self, state, token: int):
        # flashlight asks again for every hypothesis it keeps, every frame: half the
        # calls or more are answered here, without crossing into C++ for the child.
        if not self.allowed[token]:
            return state, _PRUNED
        key = (state, token)
        scored = self._scored.get(key)
        if scored is not None:
            return scored
        ken, partial, paid, _ = self._states[state]
        role, text = self._roles[token]
        if role == CONTINUES_WORD:  # the common case, inline
            partial += text
            pay = 0.0 if partial in self._prefixes else self._unk_score
            info = (ken, partial, pay, pay - paid)
        else:
            info = self._end_word(ken, partial, paid, role, text)
        child = state.child(token)
        self._states[child] = info
        scored = self._scored[key] = (child, info[3])
        return scored

    def finish(self, state):
        ken, partial, paid, _ = self._states[state]
        score = -paid
        if partial:
            ken, word = self._word(ken, partial)
            score += word
        _, end = self._kenlm.finish(ken)
        return state, score + self._lm_weight * end

    def _end_word(self, ken, partial: str, paid: float, role: int, text: str) -> tuple:
        """After a space or a piece that starts a word: the word so far is scored."""
        score = -paid
        if partial:
            ken, word = self._word(ken, partial)
            score += word
        if role == STARTS_WORD and text:
            pay = self._lookahead(text)
            return ken, text, pay, score + pay
        return ken, "", 0.0, score

    def _lookahead(self, partial: str) -> float:
        return 0.0 if partial in self._prefixes else self._unk_score

    def _word(self, ken, word: str):
        index = self._index.get(word)
        extra = self._word_score
        if index is None:
            index, extra = self._unk, extra + self._unk_score
        ken, log10p = self._kenlm.score(ken, index)
        return ken, self._lm_weight * log10p + extra


def token_roles(tokens: list[str], tokenizer) -> list[tuple[int, str]]:
    """Roles of the decoder's tokens (blank first, space as ``|``, see ``decoder_tokens``)."""
    roles = [(SPACE, "")]  # blank: never scored
    for i in range(1, len(tokens)):
        if i >= tokenizer.vocab_size or tokenizer.is_space(i):
            roles.append((SPACE, ""))  # also the silence column added for word pieces
        elif tokenizer.word_boundary(i):
            roles.append((STARTS_WORD, tokens[i].lstrip("\u2581")))
        else:
            roles.append((CONTINUES_WORD, tokens[i]))
    return roles


def load_vocabulary(lm: str) -> WordVocabulary:
    """The ARPA file ``lm`` loaded for ``WordLM``: its unigrams are the known words."""
    from flashlight.lib.text.decoder.kenlm import KenLM
    from flashlight.lib.text.dictionary import Dictionary

    from gru_asr.lm.arpa_text import arpa_vocabulary
    from gru_asr.utils.native_stderr import quiet_native_stderr

    vocabulary = arpa_vocabulary(lm)
    words = [w for w in vocabulary if w not in ("<s>", "</s>")]
    if "<unk>" not in words:
        words.append("<unk>")
    with quiet_native_stderr():  # KenLM's ARPA progress bar
        kenlm = KenLM(str(lm), Dictionary(words))
    index = {w: i for i, w in enumerate(words) if w != "<unk>"}
    prefixes = frozenset(w[:i] for w in index for i in range(1, len(w) + 1))
    return WordVocabulary(kenlm, index, words.index("<unk>"), prefixes)


def word_lm(vocabulary: WordVocabulary, tokens: list[str], tokenizer, lm_weight: float, word_score: float,
            unk_score: float) -> WordLM:
    """``WordLM`` over the decoder's ``tokens`` on an already loaded vocabulary."""
    return WordLM(vocabulary, token_roles(tokens, tokenizer), lm_weight, word_score, unk_score)


def load_word_lm(lm: str, tokens: list[str], tokenizer, lm_weight: float, word_score: float, unk_score: float) -> WordLM:
    """``WordLM`` on the ARPA file ``lm``, whose unigrams are the known words."""
    return word_lm(load_vocabulary(lm), tokens, tokenizer, lm_weight, word_score, unk_score)
