"""Lexicon-free beam_lm: open vocabulary, the word n-gram scoring each word as it ends."""

import math

import pytest
import torch

from gru_asr.decoders import build_decoder
from gru_asr.tokenizers import CharTokenizer
from tests.unit.ctc_emissions import emissions_for

TOK = CharTokenizer()
# Scores summed over every path of a text need a search that prunes nothing: the
# lexicon-free defaults prune tokens as pyctcdecode does.
UNPRUNED = {"beam_size_token": None, "beam_threshold": 25.0, "blank_skip": None, "token_min_logp": None}

# A bigram LM written by hand, so that every expected score below is read off it.
ARPA = """\\data\\
ngram 1=6
ngram 2=2

\\1-grams:
-1.0\t<unk>\t0
-99\t<s>\t-0.3
-0.5\t</s>\t0
-0.7\tthe\t-0.2
-0.8\tcat\t0
-1.5\tsat\t0

\\2-grams:
-0.2\t<s> the
-0.1\tthe cat

\\end\\
"""


@pytest.fixture
def arpa(tmp_path):
    path = tmp_path / "lm.arpa"
    path.write_text(ARPA)
    return str(path)




def decode(cfg, lp):
    dec = build_decoder(cfg if cfg["name"] == "greedy" else {"num_workers": 1, **cfg}, TOK, 0.04)
    return dec.decode(lp.unsqueeze(0), torch.tensor([lp.size(0)]))[0][0]


def test_hypothesis_score_is_acoustics_plus_word_ngram_at_word_ends(arpa):
    # The search sums the paths of one text (prefix beam search): its score is the CTC
    # log-probability of the text (every alignment, ctc_loss) plus the LM's
    # lm_weight * log10 P(words, </s>) and word_score per word.
    lp = emissions_for("the cat sat", peak=0.99)
    lm_weight, word_score = 0.7, 0.3
    hyp = decode({"name": "beam_lm", "lm": arpa, "lm_weight": lm_weight, "word_score": word_score, "beam_size": 100, **UNPRUNED}, lp)
    assert hyp.text == "the cat sat"
    target = torch.tensor([TOK.encode("the cat sat")])
    acoustic = -float(torch.nn.functional.ctc_loss(lp.unsqueeze(1), target, torch.tensor([lp.size(0)]),
                                                   torch.tensor([target.size(1)]), reduction="sum"))
    # P(the | <s>) bigram, P(cat | the) bigram, P(sat | cat) = bo(cat) + P(sat), P(</s> | sat) = bo(sat) + P(</s>)
    log10p = -0.2 + -0.1 + (0.0 + -1.5) + (0.0 + -0.5)
    assert hyp.score == pytest.approx(acoustic + lm_weight * log10p + 3 * word_score, abs=1e-3)
    assert hyp.tokens == TOK.encode("the cat sat")
    assert [w.word for w in hyp.words] == ["the", "cat", "sat"]


def test_a_word_the_lm_knows_beats_a_slightly_better_spelling_it_does_not(arpa):
    lp = emissions_for("the cet sat")
    a, e = TOK.encode("a")[0], TOK.encode("e")[0]
    for t in range(lp.size(0)):
        if lp[t].argmax() == e and 4 * 4 <= t < 4 * 6:
            lp[t, e], lp[t, a] = math.log(0.5), math.log(0.45)
    assert decode({"name": "greedy"}, lp).text == "the cet sat"
    # Without LM weight (and no price on unknown words) the acoustics decide, as in the
    # search without LM: not "cat" (the prefix search sums the paths of "ceat" and of
    # "caet", e and a in the three frames, each above those of "cet" and of "cat") ...
    assert decode({"name": "beam"}, lp).text in ("the ceat sat", "the caet sat")
    assert decode({"name": "beam_lm", "lm": arpa, "lm_weight": 0.0, "unk_score": 0.0}, lp).text in ("the ceat sat", "the caet sat")
    # ... with it the word the LM knows wins, though the search has no lexicon.
    assert decode({"name": "beam_lm", "lm": arpa, "lm_weight": 1.0}, lp).text == "the cat sat"


def test_open_vocabulary_outputs_a_word_the_lm_does_not_know(arpa):
    lp = emissions_for("the cat zoq")
    hyp = decode({"name": "beam_lm", "lm": arpa, "lm_weight": 1.0}, lp)
    assert hyp.text == "the cat zoq"
    assert [w.word for w in hyp.words] == ["the", "cat", "zoq"]
    # The unknown word paid the LM's <unk> probability and unk_score: less than for the
    # same emissions scored with unk_score 0, by exactly the difference.
    # (Peaked emissions and a wide beam: the search keeps nearly every path of the text.
    # Not all: while it spells the unknown word it holds it 10 below hypotheses that
    # have not started it, and the beam drops a few of its least likely paths.)
    lp = emissions_for("the cat zoq", peak=0.99)
    paid = decode({"name": "beam_lm", "lm": arpa, "lm_weight": 1.0, "beam_size": 100, **UNPRUNED}, lp)
    free = decode({"name": "beam_lm", "lm": arpa, "lm_weight": 1.0, "unk_score": 0.0, "beam_size": 100, **UNPRUNED}, lp)
    assert paid.text == free.text == "the cat zoq"
    assert free.score - paid.score == pytest.approx(10.0, abs=0.01)  # default unk_score: -10 * lm_weight
    # unk_score -inf holds the search to the LM's words.
    closed = decode({"name": "beam_lm", "lm": arpa, "lm_weight": 1.0, "unk_score": float("-inf")}, lp)
    assert "zoq" not in closed.text and all(w in {"the", "cat", "sat"} for w in closed.text.split())


def test_worker_pool_decodes_lexicon_free_like_one_process(arpa):
    texts = ["the cat sat", "the cat", "sat the zoq", "cat"]
    gen = torch.Generator().manual_seed(0)
    utts = [(emissions_for(t, peak=0.6) + 0.3 * torch.randn(len(t) * 4, TOK.vocab_size, generator=gen)).log_softmax(-1)
            for t in texts]
    lens = torch.tensor([u.size(0) for u in utts])
    batch = torch.nn.utils.rnn.pad_sequence(utts, batch_first=True)
    cfg = {"name": "beam_lm", "lm": arpa, "lm_weight": 1.0, "beam_size": 16}
    one = build_decoder({**cfg, "num_workers": 1}, TOK, 0.04).decode(batch, lens)
    two = build_decoder({**cfg, "num_workers": 2}, TOK, 0.04)
    try:
        got = two.decode(batch, lens)
    finally:
        two.close()
    assert [h[0].text for h in got] == [h[0].text for h in one]
    assert [h[0].score for h in got] == pytest.approx([h[0].score for h in one])
    assert sum(h[0].text == t for h, t in zip(got, texts)) >= 3


def test_a_kenlm_binary_is_refused_without_a_lexicon(tmp_path, arpa):
    binary = tmp_path / "lm.bin"
    binary.write_bytes(b"mmap lm http://kheafield.com/code format version 5\n\0" + bytes(64))
    with pytest.raises(ValueError, match="lm.bin: lexicon-free beam_lm needs the LM as an ARPA file"):
        build_decoder({"name": "beam_lm", "lm": str(binary)}, TOK, 0.04)


class Pieces:
    """Word pieces without a space token: ``▁`` marks a piece that starts a word."""

    tokens = ["<blk>", "\u2581the", "\u2581c", "at", "|"]
    vocab_size = 4

    def is_space(self, i):
        return False

    def word_boundary(self, i):
        return self.tokens[i].startswith("\u2581")


def test_word_lm_scores_each_word_once_when_it_ends(arpa):
    from gru_asr.decoders.word_lm import load_word_lm

    w, ws, unk = 2.0, 0.5, -7.0
    lm = load_word_lm(arpa, Pieces.tokens, Pieces(), lm_weight=w, word_score=ws, unk_score=unk)
    the, c, at = 1, 2, 3
    root = lm.start(False)
    state, s1 = lm.score(root, the)  # starts "the": a known word's prefix, nothing paid
    state, s2 = lm.score(state, c)  # ends "the" (P(the | <s>) = -0.2), starts "c"
    state, s3 = lm.score(state, at)  # "cat" still a known word's prefix
    assert (s1, s3) == (0.0, 0.0)
    assert s2 == pytest.approx(w * -0.2 + ws)
    # The same text reached again is the same state: flashlight merges on it.
    assert lm.score(lm.score(lm.score(root, the)[0], c)[0], at) == (state, s3)
    _, end = lm.finish(state)  # ends "cat" (P(cat | the) = -0.1), then P(</s> | cat) = 0 + -0.5
    assert end == pytest.approx(w * (-0.1 + -0.5) + ws)
    # "c" then "the": "c" is no word of the LM, so it pays unk_score and <unk>'s
    # probability, here after <s>: P(<unk> | <s>) = bo(<s>) + P(<unk>).
    state, s1 = lm.score(root, c)
    state, s2 = lm.score(state, the)
    assert s1 == 0.0  # "c" starts "cat"
    assert s2 == pytest.approx(w * (-0.3 + -1.0) + ws + unk)
    # A partial word that starts no known word pays unk_score at once ("at" continues
    # "the" into "theat") and gets it back when the word ends, where it pays as unknown:
    # P(<unk> | <unk>) = 0 + -1.0, then P(</s> | <unk>) = 0 + -0.5.
    state, s3 = lm.score(state, at)
    assert s3 == unk
    _, end = lm.finish(state)
    assert end == pytest.approx(-unk + w * -1.0 + ws + unk + w * -0.5)


def test_token_min_logp_keeps_unlikely_tokens_out_and_otherwise_changes_nothing(arpa):
    from gru_asr.decoders.beam import KenLMBeamDecoder

    # The lexicon-free defaults prune as pyctcdecode does; a lexicon search keeps its own.
    free = build_decoder({"name": "beam_lm", "lm": arpa, "num_workers": 1}, TOK, 0.04)
    assert free.token_min_logp == -5.0 and free.settings.beam_size_token == 3 and free.settings.beam_size == 32
    assert free.blank_skip_logp == pytest.approx(math.log(1 - math.exp(-5)))  # blank at least 1 - e^-5
    assert KenLMBeamDecoder.LEXICON_DEFAULTS["token_min_logp"] is None
    with pytest.raises(ValueError, match="token_min_logp prunes the tokens of lexicon-free beam_lm"):
        build_decoder({"name": "beam_lm", "lm": arpa, "lexicon": arpa, "token_min_logp": -5.0}, TOK, 0.04)
    # "the cet sat", whose e could (a little) be an a: a strong LM makes it "cat" ...
    lp = emissions_for("the cet sat")
    a, e = TOK.encode("a")[0], TOK.encode("e")[0]
    for t in range(lp.size(0)):
        if lp[t].argmax() == e:
            lp[t, a] = math.log(0.003)  # log-prob -5.8
    cfg = {"name": "beam_lm", "lm": arpa, "lm_weight": 3.0, **UNPRUNED}
    assert decode(cfg, lp).text == "the cat sat"
    # ... unless tokens below log-prob -5 in a frame are not tried there.
    assert decode({**cfg, "token_min_logp": -5.0}, lp).text == "the cet sat"
    # With every token allowed, the frame-by-frame search is the search.
    gen = torch.Generator().manual_seed(1)
    noisy = (emissions_for("the cat zoq", peak=0.6) + 0.5 * torch.randn(44, TOK.vocab_size, generator=gen)).log_softmax(-1)
    for options in (UNPRUNED, {"beam_size": 8, "beam_size_token": 4}):
        base = {"name": "beam_lm", "lm": arpa, "lm_weight": 1.0, "nbest": 3, **options, "token_min_logp": None}
        whole, stepped = decode_nbest(base, noisy), decode_nbest({**base, "token_min_logp": -1e30}, noisy)
        assert [(h.text, h.score, h.tokens) for h in stepped] == [(h.text, h.score, h.tokens) for h in whole]


def decode_nbest(cfg, lp):
    dec = build_decoder({"num_workers": 1, **cfg}, TOK, 0.04)
    return dec.decode(lp.unsqueeze(0), torch.tensor([lp.size(0)]))[0]
