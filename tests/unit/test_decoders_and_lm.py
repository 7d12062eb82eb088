import math

import pytest
import torch

from gru_asr.decoders import build_decoder
from gru_asr.lm import build_arpa, train_ngram
from gru_asr.lm.arpa_text import arpa_vocabulary
from gru_asr.lm.lexicon import build_lexicon
from gru_asr.tokenizers import CharTokenizer
from tests.unit.ctc_emissions import emissions_for

TOK = CharTokenizer()




@pytest.mark.parametrize("name", ["greedy", "beam"])
def test_decoders_agree_on_peaked_emissions(name):
    lp = emissions_for("hello world")
    dec = build_decoder(name, TOK, frame_shift=0.04)
    hyp = dec.decode(lp.unsqueeze(0), torch.tensor([lp.size(0)]))[0][0]
    assert hyp.text == "hello world"
    assert [w.word for w in hyp.words] == ["hello", "world"]
    starts = [w.start for w in hyp.words]
    assert starts == sorted(starts) and all(0 <= w.start < w.end <= lp.size(0) * 0.04 for w in hyp.words)
    assert all(0 < w.confidence <= 1 for w in hyp.words)
    # Emitted where the argmax path starts each character: "h" in frame 0, "w" after
    # "hello " (6 characters of 4 frames each); the same frames for every decoder.
    assert hyp.words[0].start == 0.0 and hyp.words[1].start == round(6 * 4 * 0.04, 3)
    assert hyp.tokens == TOK.encode("hello world")  # no silence tokens added at the ends


def test_prefix_beam_search_beats_greedy_on_split_mass():
    # Frame-wise the blank wins everywhere (0.4), but the two 'a' paths together
    # (a-a, a-blank, blank-a: 0.3*0.3 + 0.3*0.4*2 = 0.33) outweigh all-blank (0.16).
    p = torch.tensor([[0.4, 0.3, 0.3], [0.4, 0.3, 0.3]])
    tok = CharTokenizer(symbols=[" ", "a"])
    lp = p.log().unsqueeze(0)
    greedy = build_decoder("greedy", tok, 0.04).decode(lp, torch.tensor([2]))[0][0]
    beam = build_decoder({"name": "beam", "beam_size": 10}, tok, 0.04).decode(lp, torch.tensor([2]))[0][0]
    assert greedy.text == ""
    assert beam.text == "a"


def toy_corpus():
    return ["the cat sat", "the cat ran", "a dog sat", "the dog ran", "a cat sat on the mat"] * 3


def reference_prob(model, words, ctx):
    """Back-off query of an ARPA-style table (independent of the builder)."""
    gram = tuple(ctx) + (words,)
    n = len(gram)
    if gram in model[n]:
        return 10 ** model[n][gram][0]
    if n == 1:
        return 10 ** model[1][("<unk>",)][0]
    bo = model[n - 1].get(tuple(ctx), (0.0, 0.0))[1] or 0.0
    return 10**bo * reference_prob(model, words, list(ctx)[1:])


@pytest.mark.parametrize("order", [2, 3])
def test_ngram_distributions_sum_to_one(order):
    model = train_ngram(toy_corpus(), order)
    vocab = [g[0] for g in model[1] if g[0] != "<s>"]
    for ctx in (["<s>"], ["the"], ["the", "cat"][-(order - 1):], ["zebra"]):
        total = sum(reference_prob(model, w, ctx[-(order - 1):]) for w in vocab)
        assert abs(total - 1.0) < 1e-6


def test_arpa_loads_in_kenlm_and_matches(tmp_path):
    from flashlight.lib.text.decoder.kenlm import KenLM
    from flashlight.lib.text.dictionary import create_word_dict

    arpa = build_arpa(toy_corpus(), tmp_path / "lm.arpa", order=3)
    model = train_ngram(toy_corpus(), 3)
    vocab = arpa_vocabulary(arpa)
    assert {"the", "cat", "<unk>", "</s>"} <= set(vocab)
    words = create_word_dict({w: [[w]] for w in vocab})
    lm = KenLM(str(arpa), words)
    state = lm.start(False)
    total = 0.0
    for w in ["the", "cat", "sat"]:
        state, score = lm.score(state, words.get_index(w))
        total += score
    expected = sum(math.log10(reference_prob(model, w, ctx)) for w, ctx in [("the", ["<s>"]), ("cat", ["<s>", "the"]), ("sat", ["the", "cat"])])
    # KenLM scores are log10 probabilities
    assert abs(total - expected) < 1e-4


def test_lm_flips_a_hypothesis_to_an_in_vocabulary_word(tmp_path):
    # Acoustics slightly prefer "the cet sat"; the LM and lexicon know "cat".
    lp = emissions_for("the cat sat", peak=0.9)
    a, e = TOK.encode("a")[0], TOK.encode("e")[0]
    for t in range(lp.size(0)):
        if lp[t].argmax() == a and 4 * 4 <= t < 4 * 6:
            lp[t, e], lp[t, a] = math.log(0.5), math.log(0.45)
    greedy = build_decoder("greedy", TOK, 0.04).decode(lp.unsqueeze(0), torch.tensor([lp.size(0)]))[0][0]
    assert greedy.text == "the cet sat"
    arpa = build_arpa(toy_corpus(), tmp_path / "lm.arpa", order=3)
    lexicon, skipped = build_lexicon(arpa_vocabulary(arpa), TOK, tmp_path / "lexicon.txt")
    assert not skipped
    dec = build_decoder({"name": "beam_lm", "lm": str(arpa), "lexicon": str(lexicon), "lm_weight": 1.0}, TOK, 0.04)
    hyp = dec.decode(lp.unsqueeze(0), torch.tensor([lp.size(0)]))[0][0]
    assert hyp.text == "the cat sat"


def test_collapse_blank_runs_keeps_one_frame_per_run():
    from gru_asr.decoders.beam import collapse_blank_runs

    sure, unsure = math.log(0.9999), math.log(0.5)
    blank = [sure, sure, unsure, sure, sure, sure, unsure, unsure, sure]
    em = torch.tensor([[b, 0.0] for b in blank]).numpy()
    kept, index = collapse_blank_runs(em, math.log(0.999))
    assert index.tolist() == [0, 2, 3, 6, 7, 8]  # first of each sure-blank run, every other frame
    assert (kept == em[index]).all()


def test_blank_skip_decodes_the_same_words_at_the_same_times(tmp_path):
    # Long blank stretches between words and a doubled letter separated by one blank run.
    ids = TOK.encode("all be well")
    rows = []
    for i in ids:
        rows += [i, 0] + [0] * (8 if TOK.is_space(i) else 0)
    rows = [0] * 10 + rows + [0] * 10
    lp = torch.full((len(rows), TOK.vocab_size), math.log(1e-4 / (TOK.vocab_size - 1)))
    for t, i in enumerate(rows):
        lp[t, i] = math.log(1 - 1e-4)
    arpa = build_arpa(toy_corpus() + ["all be well"], tmp_path / "lm.arpa", order=2)
    lexicon, _ = build_lexicon(arpa_vocabulary(arpa), TOK, tmp_path / "lexicon.txt")
    hyps = {}
    for skip in (None, 0.999):
        for cfg in ({"name": "beam", "blank_skip": skip},
                    {"name": "beam_lm", "lm": str(arpa), "lexicon": str(lexicon), "blank_skip": skip}):
            dec = build_decoder({**cfg, "num_workers": 1}, TOK, 0.04)
            hyps[(cfg["name"], skip)] = dec.decode(lp.unsqueeze(0), torch.tensor([lp.size(0)]))[0][0]
    for name in ("beam", "beam_lm"):
        full, skipped = hyps[(name, None)], hyps[(name, 0.999)]
        assert full.text == skipped.text == "all be well"
        assert [(w.word, w.start, w.end) for w in skipped.words] == [(w.word, w.start, w.end) for w in full.words]
    with pytest.raises(ValueError, match="blank_skip"):
        build_decoder({"name": "beam", "blank_skip": 1.5}, TOK, 0.04)


def test_wer_report_matches_jiwer_and_sclite_arithmetic():
    import jiwer

    from gru_asr.evaluation.evaluate import EvaluationReport, word_alignment
    from gru_asr.metrics import count_errors

    refs = ["the cat sat on the mat", "hello world", "a b c d"]
    hyps = ["the cat sat on mat", "hello there world", "a x c d e"]
    c = count_errors(refs, hyps)
    assert abs(c.wer - jiwer.wer(refs, hyps)) < 1e-12
    assert c.wer == (c.substitutions + c.deletions + c.insertions) / c.ref_words  # S+D+I over N
    assert (c.substitutions, c.deletions, c.insertions, c.ref_words) == (1, 1, 2, 12)
    utts = [{"id": str(i), "ref": r, "hyp": h, "alignment": word_alignment(r, h)} for i, (r, h) in enumerate(zip(refs, hyps))]
    report = EvaluationReport(counts=c, utterances=utts)
    conf = {(r, h): n for r, h, n in report.confusions()}
    assert conf == {("the", ""): 1, ("", "there"): 1, ("b", "x"): 1, ("", "e"): 1}



def test_word_piece_lexicon_has_no_space_token_and_beam_lm_decodes_it(tmp_path):
    from gru_asr.synth.text_generator import SentenceGenerator
    from gru_asr.tokenizers import SentencePieceTokenizer

    sents = SentenceGenerator(seed=0).sentences(300)
    bpe = SentencePieceTokenizer.train(sents, vocab_size=100, model_type="bpe")
    arpa = build_arpa(sents, tmp_path / "lm.arpa", order=2)
    lexicon, _ = build_lexicon(arpa_vocabulary(arpa), bpe, tmp_path / "lexicon.txt")
    assert not any(line.endswith(" |") for line in lexicon.read_text().splitlines())  # pieces mark word starts
    char_lexicon, _ = build_lexicon(["hello"], TOK, tmp_path / "char_lexicon.txt")
    assert char_lexicon.read_text() == "hello\th e l l o |\n"
    # Peaked emissions spelling a sentence in pieces: beam_lm returns it, words and all.
    text = sents[0]
    rows = []
    for i in bpe.encode(text):
        rows += [i, i, 0]
    lp = torch.full((len(rows), bpe.vocab_size), math.log(0.05 / (bpe.vocab_size - 1)))
    for t, i in enumerate(rows):
        lp[t, i] = math.log(0.95)
    dec = build_decoder({"name": "beam_lm", "lm": str(arpa), "lexicon": str(lexicon), "num_workers": 1}, bpe, 0.04)
    hyp = dec.decode(lp.unsqueeze(0), torch.tensor([lp.size(0)]))[0][0]
    assert hyp.text == text and [w.word for w in hyp.words] == text.split()
    # Lexicon-free, a piece that starts a word ends the one before (no space token).
    free = build_decoder({"name": "beam_lm", "lm": str(arpa), "num_workers": 1}, bpe, 0.04)
    hyp = free.decode(lp.unsqueeze(0), torch.tensor([lp.size(0)]))[0][0]
    assert hyp.text == text and [w.word for w in hyp.words] == text.split()


def test_last_word_needs_no_space_the_model_did_not_emit(tmp_path):
    # Transcripts do not end with a space, but lexicon words do: without the decoder's
    # boundary frame the best path would have to turn one frame into a space.
    lp = emissions_for("the cat", peak=0.9)
    arpa = build_arpa(toy_corpus(), tmp_path / "lm.arpa", order=2)
    lexicon, _ = build_lexicon(arpa_vocabulary(arpa), TOK, tmp_path / "lexicon.txt")
    dec = build_decoder({"name": "beam_lm", "lm": str(arpa), "lexicon": str(lexicon), "lm_weight": 0.0,
                         "word_score": 0.0, "num_workers": 1}, TOK, 0.04)
    hyp = dec.decode(lp.unsqueeze(0), torch.tensor([lp.size(0)]))[0][0]
    assert hyp.text == "the cat"
    best_path = float(lp.max(dim=1).values.sum())  # every frame on its peak
    assert hyp.score >= best_path - 0.5, (hyp.score, best_path)
    assert hyp.tokens == TOK.encode("the cat")


def test_pool_decodes_like_one_process_and_grows_its_shared_buffer(tmp_path, monkeypatch):
    import gru_asr.decoders.beam as beam

    arpa = build_arpa(["hello world", "hello there", "world peace"] * 3, tmp_path / "lm.arpa", order=2)
    lexicon = build_lexicon(arpa_vocabulary(arpa), TOK, tmp_path / "lex.txt")[0]
    cfg = {"name": "beam_lm", "lm": str(arpa), "lexicon": str(lexicon), "beam_size": 8, "lm_weight": 0.5}
    texts = ["hello world", "world peace", "hello there", "hello", "there world peace", "peace"]
    gen = torch.Generator().manual_seed(0)
    utts = [emissions_for(t, peak=0.6) + 0.3 * torch.randn(len(t) * 4, TOK.vocab_size, generator=gen) for t in texts]
    utts = [u.log_softmax(-1) for u in utts]
    lens = torch.tensor([u.size(0) for u in utts])
    batch = torch.nn.utils.rnn.pad_sequence(utts, batch_first=True)
    # The shared buffer starts at one frame: the first batch needs a bigger one,
    # and the second, bigger batch a bigger one still (a new pool each time).
    monkeypatch.setattr(beam, "_SHARED_VALUES", TOK.vocab_size)
    one = build_decoder({**cfg, "num_workers": 1}, TOK, 0.04)
    two = build_decoder({**cfg, "num_workers": 2}, TOK, 0.04)
    try:
        pools = []
        for n in (3, 6, 2):
            expected = one.decode(batch[:n], lens[:n])
            got = two.decode(batch[:n], lens[:n])
            pools.append(two._pool)
            assert two._pool.capacity >= int(lens[:n].sum()) * TOK.vocab_size
            assert [h[0].text for h in got] == [h[0].text for h in expected]
            assert [h[0].tokens for h in got] == [h[0].tokens for h in expected]
            assert [h[0].score for h in got] == pytest.approx([h[0].score for h in expected])
            assert [[(w.word, w.start, w.end) for w in h[0].words] for h in got] == \
                   [[(w.word, w.start, w.end) for w in h[0].words] for h in expected]
        # Each growth started new workers; a batch that fits reuses them.
        assert pools[0] is not pools[1] and pools[1] is pools[2] and pools[0].closed
        got = two.decode(batch, lens)
        assert sum(h[0].text == t for h, t in zip(got, texts)) >= 4  # the emissions do spell the texts
    finally:
        two.close()


def test_word_timings_are_built_on_first_read_and_equal_eager_ones():
    from gru_asr.decoders.base import Hypothesis, TokenAlignment, words_from_alignment

    tokens = TOK.encode("hi yo")
    frames, probs = [0, 2, 4, 6, 9], [0.9, 0.8, 0.7, 0.6, 0.5]
    lazy = Hypothesis("hi yo", -1.0, tokens, alignment=TokenAlignment(TOK, frames, probs, 0.04))
    assert lazy._words is None  # nothing built yet
    eager = words_from_alignment(TOK, tokens, frames, probs, 0.04)
    assert lazy.words == eager and [w.word for w in eager] == ["hi", "yo"]
    assert lazy.to_dict()["words"][1] == {"word": "yo", "start": 0.24, "end": 0.4, "confidence": round(math.sqrt(0.3), 4)}
    assert Hypothesis("x", 0.0).words == []


def test_greedy_emits_a_token_where_the_best_label_changes():
    gen = torch.Generator().manual_seed(1)
    lp = torch.randn(2, 40, TOK.vocab_size, generator=gen).log_softmax(-1)
    lens = torch.tensor([40, 23])
    hyps = build_decoder("greedy", TOK, 0.04).decode(lp, lens)
    for b, n in enumerate(lens.tolist()):
        best = lp[b, :n].argmax(-1).tolist()
        expected = [t for i, t in enumerate(best) if t != 0 and (i == 0 or t != best[i - 1])]
        assert hyps[b][0].tokens == expected
        assert hyps[b][0].text == TOK.decode(expected)
        assert hyps[b][0].score == pytest.approx(float(lp[b, :n].max(-1).values.sum()))


def test_gzip_arpa_is_written_read_and_decoded_like_the_plain_one(tmp_path):
    import gzip

    from gru_asr.cli.main import main

    text = tmp_path / "text.txt"
    text.write_text("\n".join(toy_corpus()) + "\n")
    plain, packed = tmp_path / "lm.arpa", tmp_path / "lm.arpa.gz"
    for out in (plain, packed):
        assert main(["lm", "build", str(text), "--order", "3", "-o", str(out)]) == 0
    assert packed.read_bytes()[:2] == b"\x1f\x8b"
    assert gzip.decompress(packed.read_bytes()) == plain.read_bytes()
    assert arpa_vocabulary(packed) == arpa_vocabulary(plain)
    lexicon, _ = build_lexicon(arpa_vocabulary(packed), TOK, tmp_path / "lexicon.txt")
    # "the cet sat" by the acoustics; both LMs, with and without the lexicon, make it "the cat sat".
    lp = emissions_for("the cat sat", peak=0.9)
    a, e = TOK.encode("a")[0], TOK.encode("e")[0]
    for t in range(lp.size(0)):
        if lp[t].argmax() == a and 4 * 4 <= t < 4 * 6:
            lp[t, e], lp[t, a] = math.log(0.5), math.log(0.45)
    for lex in (str(lexicon), None):
        hyps = []
        for lm in (plain, packed):
            dec = build_decoder({"name": "beam_lm", "lm": str(lm), "lexicon": lex, "lm_weight": 1.0,
                                 "num_workers": 1}, TOK, 0.04)
            hyps.append(dec.decode(lp.unsqueeze(0), torch.tensor([lp.size(0)]))[0][0])
        assert hyps[0].text == hyps[1].text == "the cat sat"
        assert hyps[0].score == pytest.approx(hyps[1].score)


def test_a_truncated_gzip_arpa_is_refused_naming_the_file(tmp_path):
    from gru_asr.lm.arpa_text import require_arpa

    arpa = build_arpa(toy_corpus(), tmp_path / "lm.arpa.gz", order=2)
    broken = tmp_path / "broken.arpa.gz"
    broken.write_bytes(arpa.read_bytes()[:20])
    with pytest.raises(ValueError, match="broken.arpa.gz"):
        require_arpa(broken)


def test_loading_an_arpa_lm_writes_nothing_to_stderr(tmp_path, capfd):
    """KenLM prints a progress bar on file descriptor 2 while it reads an ARPA file; the
    decoders silence it so that `gru-asr transcribe` prints transcripts and errors only."""
    from flashlight.lib.text.decoder.kenlm import KenLM
    from flashlight.lib.text.dictionary import Dictionary

    from gru_asr.decoders.flashlight_search import load_lm
    from gru_asr.decoders.word_lm import load_vocabulary

    arpa = build_arpa(toy_corpus(), tmp_path / "lm.arpa", order=2)
    lexicon, _ = build_lexicon(arpa_vocabulary(arpa), TOK, tmp_path / "lexicon.txt")
    capfd.readouterr()
    KenLM(str(arpa), Dictionary(["a", "<unk>"]))  # unsilenced: the noise this test is about
    assert "Loading the LM" in capfd.readouterr().err
    from gru_asr.decoders.beam import SIL, decoder_tokens

    load_lm(decoder_tokens(TOK), SIL, str(arpa), str(lexicon))
    load_vocabulary(str(arpa))
    print("still here", file=__import__("sys").stderr)  # and stderr works again afterwards
    assert capfd.readouterr().err == "still here\n"
