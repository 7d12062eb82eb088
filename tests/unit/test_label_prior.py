"""Label prior correction for beam_lm: estimation, the prior file, and the decoder's use of it."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from gru_asr.decoders import build_decoder
from gru_asr.decoders.beam import decoder_tokens
from gru_asr.decoders.label_prior import estimate_log_prior, read_prior, write_prior
from gru_asr.lm import build_arpa
from gru_asr.lm.arpa_text import arpa_vocabulary
from gru_asr.lm.lexicon import build_lexicon
from gru_asr.tokenizers import CharTokenizer

TOK = CharTokenizer()
TOKENS = decoder_tokens(TOK)[: TOK.vocab_size]


def test_the_prior_is_the_mean_posterior_over_all_frames():
    gen = torch.Generator().manual_seed(0)
    utts = [torch.log_softmax(3 * torch.randn(t, TOK.vocab_size, generator=gen), -1) for t in (5, 17, 1, 0)]
    expected = torch.cat([u.exp() for u in utts]).mean(0).log()
    torch.testing.assert_close(estimate_log_prior(utts), expected, atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match="no frames"):
        estimate_log_prior([torch.zeros(0, TOK.vocab_size)])


def test_prior_file_round_trip_and_refusals(tmp_path):
    log_prior = torch.log_softmax(torch.randn(TOK.vocab_size), -1)
    path = write_prior(tmp_path / "prior.txt", TOKENS, log_prior, "test")
    np.testing.assert_allclose(read_prior(path, TOKENS), log_prior.numpy(), atol=1e-6)
    np.testing.assert_allclose(read_prior(path, TOKENS + ["|extra"]), log_prior.numpy(), atol=1e-6)  # appended SIL
    with pytest.raises(ValueError, match="other labels"):
        read_prior(path, ["<other>"] + TOKENS[1:])
    (tmp_path / "notes.txt").write_text("hello\n")
    with pytest.raises(ValueError, match="notes.txt: not a label prior"):
        read_prior(tmp_path / "notes.txt", TOKENS)
    bad = tmp_path / "bad.txt"
    bad.write_text(path.read_text().replace("\t", "\tx", 1))
    with pytest.raises(ValueError, match="bad.txt: line 2"):
        read_prior(bad, TOKENS)


def test_beam_lm_with_a_prior_decodes_the_shifted_emissions(tmp_path):
    arpa = build_arpa(["the cat sat", "the cat ran", "a dog sat"] * 3, tmp_path / "lm.arpa", order=2)
    lexicon, _ = build_lexicon(arpa_vocabulary(arpa), TOK, tmp_path / "lexicon.txt")
    gen = torch.Generator().manual_seed(1)
    lp = torch.log_softmax(2 * torch.randn(40, TOK.vocab_size, generator=gen), -1)
    log_prior = torch.log_softmax(torch.randn(TOK.vocab_size, generator=gen), -1)
    prior = write_prior(tmp_path / "prior.txt", TOKENS, log_prior, "test")
    base = {"name": "beam_lm", "lm": str(arpa), "lexicon": str(lexicon), "lm_weight": 0.5, "num_workers": 1}
    with_prior = build_decoder({**base, "prior": str(prior), "prior_scale": 0.7}, TOK, 0.04)
    plain = build_decoder(base, TOK, 0.04)
    got = with_prior.decode(lp.unsqueeze(0), torch.tensor([40]))[0][0]
    want = plain.decode((lp - 0.7 * log_prior).unsqueeze(0), torch.tensor([40]))[0][0]
    assert got.text == want.text and got.score == pytest.approx(want.score, abs=1e-4)
    unshifted = plain.decode(lp.unsqueeze(0), torch.tensor([40]))[0][0]
    assert unshifted.score != pytest.approx(got.score, abs=1e-2)  # the prior really shifted the scores
    with pytest.raises(ValueError, match="prior_scale needs a prior"):
        build_decoder({**base, "prior_scale": 0.5}, TOK, 0.04)
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        build_decoder({**base, "prior": str(tmp_path / "missing.txt"), "prior_scale": 0.5}, TOK, 0.04)
