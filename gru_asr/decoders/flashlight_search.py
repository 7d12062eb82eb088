"""flashlight-text's CTC beam searches, built through its public Python API.

``build_search`` wires the same objects that ``torchaudio.models.decoder.ctc_decoder``
wires (token and word dictionaries, KenLM, a smeared lexicon trie, the decoder and
its options) without going through torchaudio: the decoders call flashlight's
``decode(pointer, T, N)`` on their own arrays and read its results directly.

Three searches:
- no LM: ``LexiconFreeDecoder`` with flashlight's ``ZeroLM`` (``beam``);
- lexicon: ``LexiconDecoder`` over a trie of the lexicon's spellings, the word
  n-gram scoring each word as its spelling completes (``beam_lm`` with a lexicon);
- lexicon-free: ``LexiconFreeDecoder`` over the tokens with ``WordLM``, which
  scores whole words with the word n-gram when they end (``beam_lm`` without one).
"""

from __future__ import annotations

from dataclasses import dataclass

from flashlight.lib.text.decoder import (
    CriterionType,
    LexiconDecoder,
    LexiconDecoderOptions,
    LexiconFreeDecoder,
    LexiconFreeDecoderOptions,
    SmearingMode,
    Trie,
    ZeroLM,
)
from flashlight.lib.text.dictionary import Dictionary, create_word_dict, load_words

from gru_asr.utils.native_stderr import quiet_native_stderr

UNK = "<unk>"


@dataclass
class SearchSettings:
    beam_size: int
    beam_size_token: int | None  # None: every token
    beam_threshold: float
    lm_weight: float
    word_score: float
    unk_score: float
    sil_score: float = 0.0
    # Sum the probabilities of paths that merge into one prefix (true CTC prefix
    # beam search) instead of keeping only the best path.
    log_add: bool = True


class FlashlightSearch:
    """One flashlight decoder and what its results refer to.

    ``decode(pointer, T, N)`` searches T x N float32 log-probs at that address and
    returns flashlight's ``DecodeResult`` list, best first. ``words`` is the word
    dictionary of a lexicon search (its results carry word ids), else None.
    """

    def __init__(self, decoder, lm, words: Dictionary | None):
        self._decoder = decoder
        # flashlight keeps a raw reference to the LM: a Python-made one must stay
        # alive as long as the decoder (pybind11 discussion 4013).
        self._lm = lm
        self.words = words

    def decode(self, pointer: int, frames: int, width: int):
        return self._decoder.decode(pointer, frames, width)

    def decode_pruning_tokens(self, emissions, allowed):
        """``decode`` of the (T, N) float32 array ``emissions`` where frame t may only emit
        the tokens marked in ``allowed[t]`` (a (T, N) bool array), for a search over a
        Python LM with an ``allowed`` list (``WordLM``). flashlight asks the LM for a
        score before it prunes; frame by frame, the LM answers those tokens with -inf at
        once, so no search state is built for them."""
        decoder, lm = self._decoder, self._lm
        frames, width = emissions.shape
        pointer, stride = emissions.ctypes.data, width * emissions.itemsize
        decoder.decode_begin()
        try:
            for t, row in enumerate(allowed.tolist()):
                lm.allowed = row
                decoder.decode_step(pointer + t * stride, 1, width)
        finally:
            lm.allowed = [True] * width
        decoder.decode_end()
        return decoder.get_all_final_hypothesis()

    def word(self, index: int) -> str:
        return self.words.get_entry(index)


@dataclass
class LoadedLM:
    """What a search loads from files (the slow part: a 392 MB ARPA takes 11 s), reusable
    by any number of searches over the same tokens, whatever their weights and pruning.

    Lexicon: the word dictionary, KenLM over it and the smeared trie of the spellings
    (its scores are the LM's unigrams, not weighted). Lexicon-free: the n-gram's
    vocabulary (``word_lm.WordVocabulary``: KenLM, the known words and their prefixes).
    Read-only once loaded: searches built on it give what searches loading their own do.
    """

    lm: str
    lexicon: str | None
    tokens: tuple[str, ...]
    kenlm: object = None
    words: Dictionary | None = None
    trie: Trie | None = None
    vocabulary: object = None

    def serves(self, lm: str | None, lexicon: str | None, tokens) -> bool:
        return (self.lm, self.lexicon, self.tokens) == (str(lm) if lm else None, str(lexicon) if lexicon else None,
                                                        tuple(tokens))


def load_lm(tokens: list[str], sil: str, lm: str, lexicon: str | None = None) -> LoadedLM:
    """Load the LM (and the lexicon and its trie) for searches over ``tokens``."""
    loaded = LoadedLM(str(lm), str(lexicon) if lexicon else None, tuple(tokens))
    if lexicon is not None:
        from flashlight.lib.text.decoder.kenlm import KenLM

        token_dict = Dictionary(tokens)
        spellings = load_words(str(lexicon))
        loaded.words = create_word_dict(spellings)
        with quiet_native_stderr():  # KenLM's ARPA progress bar
            loaded.kenlm = KenLM(str(lm), loaded.words)
        loaded.trie = _lexicon_trie(token_dict, loaded.words, spellings, loaded.kenlm, token_dict.get_index(sil))
    else:
        from gru_asr.decoders.word_lm import load_vocabulary

        loaded.vocabulary = load_vocabulary(str(lm))
        loaded.kenlm = loaded.vocabulary.kenlm
    return loaded


def build_search(tokens: list[str], blank: str, sil: str, settings: SearchSettings,
                 loaded: LoadedLM | None = None, word_lm_factory=None) -> FlashlightSearch:
    """The search for ``tokens`` (strings by id, as the emissions' columns).

    ``loaded`` (``load_lm``: a KenLM ARPA or binary file, and optionally a lexicon of
    ``word<TAB>t o k e n s`` lines) selects the search; without a lexicon the LM is
    scored through ``word_lm_factory(loaded.vocabulary)``, which returns a flashlight
    ``LM`` (``WordLM``). Building a search on an already loaded LM costs no file access.
    """
    token_dict = Dictionary(tokens)
    blank_index, sil_index = token_dict.get_index(blank), token_dict.get_index(sil)
    per_frame = settings.beam_size_token or token_dict.index_size()
    if loaded is not None and loaded.lexicon is not None:
        options = LexiconDecoderOptions(
            beam_size=settings.beam_size, beam_size_token=per_frame, beam_threshold=settings.beam_threshold,
            lm_weight=settings.lm_weight, word_score=settings.word_score, unk_score=settings.unk_score,
            sil_score=settings.sil_score, log_add=settings.log_add, criterion_type=CriterionType.CTC,
        )
        # is_token_lm False: the LM scores words, as their spellings complete in the trie.
        decoder = LexiconDecoder(options, loaded.trie, loaded.kenlm, sil_index, blank_index,
                                 loaded.words.get_index(UNK), [], False)
        return FlashlightSearch(decoder, (loaded.kenlm, loaded.trie), loaded.words)
    if loaded is not None:
        # The word LM applies its own weights (WordLM); flashlight's lm_weight would
        # scale the word and unknown-word scores with them.
        token_lm, lm_weight = word_lm_factory(loaded.vocabulary), 1.0
    else:
        token_lm, lm_weight = ZeroLM(), 0.0
    options = LexiconFreeDecoderOptions(
        beam_size=settings.beam_size, beam_size_token=per_frame, beam_threshold=settings.beam_threshold,
        lm_weight=lm_weight, sil_score=settings.sil_score, log_add=settings.log_add, criterion_type=CriterionType.CTC,
    )
    decoder = LexiconFreeDecoder(options, token_lm, sil_index, blank_index, [])
    return FlashlightSearch(decoder, token_lm, None)


def _lexicon_trie(token_dict: Dictionary, words: Dictionary, spellings: dict, lm, sil_index: int) -> Trie:
    """Every spelling of every word, each leaf holding the word and its unigram score;
    smeared (each node holds the best score below it) so that the search can prune
    a partial word by the best word it can still become."""
    trie = Trie(token_dict.index_size(), sil_index)
    start = lm.start(False)
    for word, word_spellings in spellings.items():
        index = words.get_index(word)
        _, score = lm.score(start, index)
        for spelling in word_spellings:
            trie.insert([token_dict.get_index(t) for t in spelling], index, score)
    trie.smear(SmearingMode.MAX)
    return trie
