"""LM tuning over a real grid: several lm_weights x word_scores, where the LM changes
the words and only one lm_weight is right - 0 keeps acoustic errors that the LM repairs,
1 and more let the LM overrule acoustics that were right - and the point chosen by
``grid_search`` and by ``gru-asr tune-lm`` (its printed table and ``--write``) is that one.

The emissions are constructed, not recognized: three utterances' acoustics slightly
prefer a wrong word that is in the lexicon (so the lexicon alone cannot repair it) but
that the LM has never seen in that context; one says, fairly clearly, a word that the
LM finds unlikely. tests/e2e/test_recognition.py runs ``tune-lm`` on a trained model.
"""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest
import soundfile as sf
import torch
import yaml

from gru_asr.cli.main import main
from gru_asr.decoders import build_decoder
from gru_asr.evaluation import tune_lm
from gru_asr.inference import Model
from gru_asr.lm import build_arpa
from gru_asr.lm.arpa_text import arpa_vocabulary
from gru_asr.lm.lexicon import build_lexicon
from gru_asr.metrics import count_errors
from gru_asr.models import CTCModel
from gru_asr.packaging import save_package
from gru_asr.tokenizers import CharTokenizer
from tests.conftest import small_model_config

TOK = CharTokenizer()
LM_TEXT = ["the cat sat", "the cat ran", "a dog sat", "the dog ran", "a cat sat on the mat"] * 3 + ["a cot", "big dig"]
# (reference, (word index, letter index, other letter), p(other letter), p(right letter))
UTTERANCES = [("the cat sat", (1, 1, "o"), 0.5, 0.45),   # acoustics say "cot"
              ("the dog ran", (1, 1, "i"), 0.5, 0.45),   # "dig"
              ("a cat sat on the mat", (1, 1, "o"), 0.5, 0.45),
              ("the cat ran", (2, 1, "i"), 0.5, 0.45),   # "rin": not a word; the lexicon repairs it at any weight
              ("the cot ran", (1, 1, "a"), 0.3, 0.65)]   # right, but the LM prefers "the cat"
WEIGHTS = [0.0, 0.5, 1.0, 2.0, 4.0]
BEST_WEIGHT = 0.5  # measured: WER 0 % at 0.5 (every word score), 1 of 18 words at 1-4, 3 of 18 at 0
SCORES = [-2.0, 0.0, 2.0]


def emissions(text: str, confusion: tuple[int, int, str], p_other: float, p_right: float,
              frames_per_char: int = 3) -> torch.Tensor:
    """Log-probs spelling ``text`` (0.95 on each letter), except that one letter has
    ``p_other`` on another letter and ``p_right`` on the right one."""
    word, letter, wrong = confusion
    position = sum(len(w) + 1 for w in text.split()[:word]) + letter
    rows = []
    for k, i in enumerate(TOK.encode(text)):
        rows += [(i, k == position)] * frames_per_char + [(0, False)]
    lp = torch.full((len(rows), TOK.vocab_size), math.log(0.05 / (TOK.vocab_size - 2)))
    for t, (i, confused) in enumerate(rows):
        if confused:
            lp[t, TOK.encode(wrong)[0]], lp[t, i] = math.log(p_other), math.log(p_right)
        else:
            lp[t, i] = math.log(0.95)
    return lp


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("tune")
    arpa = build_arpa(LM_TEXT, root / "lm.arpa", order=3, use_lmplz=False)
    lexicon, skipped = build_lexicon(arpa_vocabulary(arpa), TOK, root / "lexicon.txt")
    assert not skipped and {"cot", "dig"} <= set(arpa_vocabulary(arpa))
    torch.manual_seed(0)
    model = CTCModel(small_model_config()).eval()
    assert model.tokenizer.vocab_size == TOK.vocab_size
    package = save_package(model, root / "model.safetensors")
    ems = [emissions(*u) for u in UTTERANCES]
    return Model(model), package, ems, [u[0] for u in UTTERANCES], str(arpa), str(lexicon)


def test_the_constructed_acoustics_are_wrong_without_the_lm(setup):
    model, _, ems, refs, arpa, lexicon = setup
    greedy = build_decoder("greedy", TOK, 0.04)
    hyps = [greedy.decode(e.unsqueeze(0), torch.tensor([e.size(0)]))[0][0].text for e in ems]
    assert hyps == ["the cot sat", "the dig ran", "a cot sat on the mat", "the cat rin", "the cot ran"]


def test_grid_search_covers_the_grid_and_puts_the_lowest_wer_first(setup):
    model, _, ems, refs, arpa, lexicon = setup
    results = tune_lm.grid_search(model, ems, refs, arpa, lexicon, WEIGHTS, SCORES, beam_size=20)
    assert sorted((r.lm_weight, r.word_score) for r in results) == sorted((w, s) for w in WEIGHTS for s in SCORES)
    assert [(r.wer, r.cer) for r in results] == sorted((r.wer, r.cer) for r in results)
    best = results[0]
    assert best.wer == min(r.wer for r in results) == 0.0 and best.lm_weight == BEST_WEIGHT
    assert {r.lm_weight for r in results if r.wer == best.wer} == {BEST_WEIGHT}
    # The LM changes the result: at lm_weight 0 (lexicon only) "cot" and "dig" stay, at
    # every word score; weighted more than BEST_WEIGHT it turns the right "cot" into "cat".
    wer = {(r.lm_weight, r.word_score): r.wer for r in results}
    assert all(wer[0.0, s] == pytest.approx(3 / 18) for s in SCORES)
    assert all(wer[w, s] == pytest.approx(1 / 18) for w in WEIGHTS if w > BEST_WEIGHT for s in SCORES)


def test_tune_lm_command_prints_the_grid_and_writes_the_best_point(setup, tmp_path, capsys, monkeypatch):
    model, package, ems, refs, arpa, lexicon = setup
    # A valid dev manifest, though its acoustics are replaced by the constructed ones.
    sf.write(tmp_path / "a.wav", np.zeros(16000, np.float32), 16000)
    dev = tmp_path / "dev.jsonl"
    dev.write_text(json.dumps({"id": "a", "audio": "a.wav", "duration": 1.0, "text": refs[0]}) + "\n")
    monkeypatch.setattr(tune_lm, "cached_emissions", lambda *a, **k: (ems, refs))
    out = tmp_path / "decoder.yaml"
    capsys.readouterr()
    rc = main(["tune-lm", "--model", str(package), str(dev), "--lm", arpa, "--lexicon", lexicon,
               "--lm-weights=" + ",".join(map(str, WEIGHTS)), "--word-scores=" + ",".join(map(str, SCORES)),
               "--beam-size", "20", "--write", str(out)])
    printed = capsys.readouterr().out.splitlines()
    assert rc == 0
    assert printed[0].split() == ["lm_weight", "word_score", "prior_scale", "WER", "%", "CER", "%"]
    rows = [tuple(map(float, line.split())) for line in printed[1 : 1 + len(WEIGHTS) * len(SCORES)]]
    assert sorted((w, s) for w, s, _, _, _ in rows) == sorted((w, s) for w in WEIGHTS for s in SCORES)
    assert {ps for _, _, ps, _, _ in rows} == {0.0}  # no --prior: no prior grid
    lowest = min((wer, cer) for _, _, _, wer, cer in rows)
    assert rows[0][3:] == lowest and lowest[0] == 0.0 and rows[0][0] == BEST_WEIGHT
    assert min(wer for w, _, _, wer, _ in rows if w != BEST_WEIGHT) > lowest[0]  # every other weight is worse
    written = yaml.safe_load(out.read_text())
    assert (written["lm_weight"], written["word_score"]) == rows[0][:2]
    assert written["name"] == "beam_lm" and written["lm"] == arpa and written["lexicon"] == lexicon
    assert "prior" not in written
    assert printed[-1] == f"best: lm_weight={rows[0][0]} word_score={rows[0][1]} prior_scale=0.0 -> {out}"
    # The written decoder decodes like the chosen grid point: no errors on these utterances.
    dec = Model(model.model, decoder=written).decoder
    assert [dec.decode(e.unsqueeze(0), torch.tensor([e.size(0)]))[0][0].text for e in ems] == refs


def test_the_lm_is_loaded_once_per_run_and_every_point_decodes_as_a_decoder_of_its_own(setup, tmp_path, monkeypatch):
    # Issue #22: the grid shares one loaded LM (and lexicon trie). Loads are counted in a
    # file, so that a load in a worker process would be counted too.
    from gru_asr.decoders import flashlight_search

    model, _, ems, refs, arpa, lexicon = setup
    weights, scores = [0.0, 0.5, 2.0], [-2.0, 2.0]
    # The lexicon search in two forked workers, lexicon-free (WordLM) in this process.
    for lex, workers in ((lexicon, 2), (None, 1)):
        # The old path: a decoder loading its own LM at each point.
        old = {}
        for w in weights:
            for s in scores:
                dec = build_decoder({"name": "beam_lm", "lm": arpa, "lexicon": lex, "lm_weight": w, "word_score": s,
                                     "beam_size": 20, "num_workers": 1}, TOK, 0.04)
                hyps = [dec.decode_one(e)[0].text for e in ems]
                old[w, s] = (hyps, count_errors(refs, hyps))
        loads = tmp_path / f"loads-{lex is None}"
        real = flashlight_search.load_lm

        def counted(*args, real=real, loads=loads, **kwargs):
            with open(loads, "a") as f:
                f.write(f"{os.getpid()}\n")
            return real(*args, **kwargs)

        monkeypatch.setattr(flashlight_search, "load_lm", counted)
        tune_lm.check_decoder(model, arpa, lex)  # what `gru-asr tune-lm` does before the grid
        results = tune_lm.grid_search(model, ems, refs, arpa, lex, weights, scores, beam_size=20, num_workers=workers)
        assert loads.read_text().split() == [str(os.getpid())]  # once, in this process
        assert len(results) == len(weights) * len(scores)
        for r in results:
            assert (r.wer, r.cer) == (old[r.lm_weight, r.word_score][1].wer, old[r.lm_weight, r.word_score][1].cer)
        # The points differ (the LM changes the words), so equal results are not a coincidence.
        assert len({tuple(h) for h, _ in old.values()}) > 1
        # Without check_decoder, grid_search loads it itself, once.
        loads.unlink()
        tune_lm.grid_search(model, ems, refs, arpa, lex, weights[:1], scores, beam_size=20, num_workers=workers)
        assert loads.read_text().split() == [str(os.getpid())]
        monkeypatch.setattr(flashlight_search, "load_lm", real)


def test_lm_prior_then_tune_lm_searches_the_prior_scale_too(setup, tmp_path, monkeypatch, capsys):
    model, package, ems, refs, arpa, lexicon = setup
    rng = np.random.default_rng(0)
    lines = []
    for i in range(3):
        sf.write(tmp_path / f"u{i}.wav", (0.1 * rng.standard_normal(16000)).astype(np.float32), 16000)
        lines.append(json.dumps({"id": f"u{i}", "audio": f"u{i}.wav", "duration": 1.0, "text": "the cat"}))
    train = tmp_path / "train.jsonl"
    train.write_text("\n".join(lines) + "\n")
    prior = tmp_path / "prior.txt"
    assert main(["lm", "prior", "--model", str(package), str(train), "-o", str(prior), "--utterances", "2"]) == 0
    assert "label prior from 2 utterances" in capsys.readouterr().out
    values = [float(line.split("\t")[1]) for line in prior.read_text().splitlines()[1:]]
    assert len(values) == TOK.vocab_size and math.isclose(sum(math.exp(v) for v in values), 1.0, rel_tol=1e-4)
    assert main(["lm", "prior", "--model", str(package), str(train), "-o", str(prior)]) == 2  # no clobbering
    monkeypatch.setattr(tune_lm, "cached_emissions", lambda *a, **k: (ems, refs))
    out = tmp_path / "decoder.yaml"
    capsys.readouterr()
    assert main(["tune-lm", "--model", str(package), str(train), "--lm", arpa, "--lexicon", lexicon,
                 "--lm-weights=0.5", "--word-scores=0.0", "--prior", str(prior), "--prior-scales=0,0.5",
                 "--beam-size", "20", "--write", str(out)]) == 0
    rows = [tuple(map(float, line.split())) for line in capsys.readouterr().out.splitlines()[1:3]]
    assert sorted(r[2] for r in rows) == [0.0, 0.5]
    written = yaml.safe_load(out.read_text())
    assert written.get("prior_scale", 0.0) == rows[0][2]
    assert ("prior" in written) == (rows[0][2] != 0.0)
    # --prior-scales without --prior is refused before anything runs
    assert main(["tune-lm", "--model", str(package), str(train), "--lm", arpa, "--prior-scales=0.5"]) == 2
