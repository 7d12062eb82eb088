"""The built-in model (gru_asr/pretrained): what `gru-asr transcribe` with no --model, `gru-asr
info` with no model and `gru_asr.load_model()` with no path use.

The wiring is tested on a stand-in folder (a small random model, a toy LM, lexicon and
prior) put where the package looks, so that each check is fast and can fail on its own;
the folder that ships is checked for completeness and size here, and for recognising
speech to its card's WER in tests/e2e/test_builtin_recognition.py.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
import torch
import yaml

import gru_asr
import gru_asr.pretrained as pretrained
from gru_asr.cli.main import decoder_config, main
from gru_asr.decoders.beam import decoder_tokens
from gru_asr.decoders.label_prior import write_prior
from gru_asr.inference import Model
from gru_asr.lm import build_arpa
from gru_asr.lm.arpa_text import arpa_vocabulary
from gru_asr.lm.lexicon import build_lexicon
from gru_asr.models import CTCModel
from gru_asr.packaging import read_package_info, save_package
from tests.conftest import small_model_config

SHIPPED = Path(pretrained.__file__).parent / pretrained.BUILTIN_NAME
WORDS = ["a cab", "a bad cab", "bad a cab"]


@pytest.fixture
def stand_in(tmp_path, monkeypatch):
    """A built-in folder laid out as the shipped one, in tmp_path, where the package looks."""
    folder = tmp_path / "english_small"
    folder.mkdir()
    torch.manual_seed(0)
    model = CTCModel(small_model_config()).eval()
    save_package(model, folder / "model.safetensors")
    arpa = build_arpa(WORDS, folder / "lm.arpa", order=2)
    build_lexicon(arpa_vocabulary(arpa), model.tokenizer, folder / "lexicon.txt")
    tokens = decoder_tokens(model.tokenizer)[: model.tokenizer.vocab_size]
    write_prior(folder / "prior.txt", tokens, torch.log_softmax(torch.zeros(len(tokens)), 0), "uniform")
    (folder / "decoder.yaml").write_text(yaml.safe_dump(
        {"name": "beam_lm", "lm": "lm.arpa", "lexicon": "lexicon.txt", "lm_weight": 2.0, "word_score": 0.0,
         "beam_size": 20, "prior": "prior.txt", "prior_scale": 0.5}))
    (folder / "model_card.json").write_text(json.dumps({"name": "english_small", "training_data": "stand-in"}))
    monkeypatch.setattr(pretrained, "FOLDER", folder)
    return folder


def run(capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    rc = main([str(a) for a in args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_decoder_config_names_files_of_the_folder_wherever_it_is(stand_in):
    cfg = pretrained.builtin_decoder_config()
    assert cfg["name"] == "beam_lm" and cfg["lm_weight"] == 2.0
    for field in ("lm", "lexicon", "prior"):
        assert Path(cfg[field]) == stand_in / Path(cfg[field]).name and Path(cfg[field]).is_file()


def test_transcribe_without_model_uses_the_builtin_model_and_its_lm_decoder(stand_in, tone_wav, capsys):
    wav = tone_wav(seconds=2.0)
    rc, out, err = run(capsys, "transcribe", "--format", "jsonl", wav)
    assert rc == 0, err
    got = json.loads(out)["text"]
    expected = Model.load(stand_in / "model.safetensors", decoder=pretrained.builtin_decoder_config())
    assert got == expected.transcribe([wav])[0].text
    # A lexicon search says only lexicon words: the LM decoder, not the package's greedy one, ran.
    lexicon = {line.split("\t")[0] for line in (stand_in / "lexicon.txt").read_text().splitlines()}
    assert got and set(got.split()) <= lexicon
    rc, out, err = run(capsys, "transcribe", "--format", "jsonl", "--decoder", "greedy", wav)
    assert rc == 0, err
    assert json.loads(out)["text"] == Model.load(stand_in / "model.safetensors", decoder="greedy").transcribe([wav])[0].text


def test_flags_adjust_the_builtin_decoder_and_decoder_replaces_it():
    base = {"name": "beam_lm", "lm": "/x/lm.arpa.gz", "lm_weight": 3.0, "beam_size": 1000, "prior_scale": 0.8}
    flags = dict(decoder=None, lm=None, lexicon=None, lm_weight=None, word_score=None, beam_size=None, decode_workers=None)
    assert decoder_config(argparse.Namespace(**flags), base=base) == base
    tuned = decoder_config(argparse.Namespace(**{**flags, "lm_weight": 1.5, "beam_size": 50, "decode_workers": 2}), base=base)
    assert tuned == {**base, "lm_weight": 1.5, "beam_size": 50, "num_workers": 2}
    assert decoder_config(argparse.Namespace(**{**flags, "decoder": "greedy"}), base=base) == {"name": "greedy"}
    assert base["lm_weight"] == 3.0  # the base is not changed in place


def test_evaluate_without_model_and_a_decoder_yaml_that_replaces_the_tuned_one(stand_in, tone_wav, tmp_path, capsys):
    manifest = tmp_path / "dev.jsonl"
    manifest.write_text(json.dumps({"id": "u", "audio": str(tone_wav(seconds=2.0)), "duration": 2.0, "text": "a cab"}) + "\n")
    rc, out, err = run(capsys, "evaluate", manifest, "--json")
    assert rc == 0, err
    assert json.loads(out.splitlines()[-1])["decoder"] == "beam_lm"
    own = tmp_path / "greedy.yaml"
    own.write_text("name: greedy\n")
    rc, out, err = run(capsys, "evaluate", manifest, "--json", "--decoder", own)
    assert rc == 0, err
    assert json.loads(out.splitlines()[-1])["decoder"] == "greedy"


def test_decoder_named_like_the_tuned_one_is_the_tuned_one_and_lm_needs_its_lexicon(stand_in, tone_wav, capsys):
    args = dict(decoder="beam_lm", lm=None, lexicon=None, lm_weight=0.5, word_score=None, beam_size=None, decode_workers=None)
    assert decoder_config(argparse.Namespace(**args), base=pretrained.builtin_decoder_config()) == \
        {**pretrained.builtin_decoder_config(), "lm_weight": 0.5}
    # Another LM with the built-in lexicon would silently drop every word the lexicon lacks.
    rc, out, err = run(capsys, "transcribe", "--lm", stand_in / "lm.arpa", tone_wav())
    assert rc == 2 and err.startswith(f"error: --lm {stand_in / 'lm.arpa'}: give its --lexicon too") and err.count("\n") == 1
    rc, out, err = run(capsys, "transcribe", "--lm", stand_in / "lm.arpa", "--lexicon", stand_in / "lexicon.txt", tone_wav())
    assert rc == 0, err


def test_a_decoder_that_cannot_be_built_is_one_line_in_evaluate(stand_in, tmp_path, capsys):
    manifest = tmp_path / "dev.jsonl"
    manifest.write_text("")
    rc, out, err = run(capsys, "evaluate", "--model", stand_in / "model.safetensors", "--decoder", "beam_lm", manifest)
    assert rc == 2 and err.startswith("error: ") and "Traceback" not in err and err.count("\n") == 1


def test_info_without_model_shows_the_card_and_the_decoder(stand_in, capsys):
    rc, out, err = run(capsys, "info")
    assert rc == 0, err
    info = json.loads(out)
    assert info["model_card"]["training_data"] == "stand-in"
    assert info["model"] == str(stand_in / "model.safetensors")
    assert Path(info["decoder"]["lm"]).parent == stand_in
    assert info["components"]["encoder"]["name"] == "bigru"


def test_python_api_load_model_without_path_is_the_builtin_model(stand_in, tone_wav):
    model = gru_asr.load_model()
    assert type(model.decoder).__name__ != "GreedyDecoder" and model.decoder.lexicon == str(stand_in / "lexicon.txt")
    assert gru_asr.load_model(decoder="greedy").transcribe([tone_wav()])[0].text == \
        Model.load(stand_in / "model.safetensors", decoder="greedy").transcribe([tone_wav()])[0].text


@pytest.mark.parametrize("missing", ["model.safetensors", "decoder.yaml", "lexicon.txt", "model_card.json"])
def test_a_missing_builtin_file_is_one_line_naming_it(stand_in, tone_wav, capsys, missing):
    (stand_in / missing).unlink()
    command = ["info"] if missing == "model_card.json" else ["transcribe", tone_wav()]
    rc, out, err = run(capsys, *command)
    assert rc == 2 and out == ""
    assert err.startswith(f"error: {stand_in / missing}: the built-in model's file is missing") and err.count("\n") == 1


def test_options_the_builtin_model_cannot_take_are_refused_in_one_line(stand_in, tone_wav, capsys):
    for option, word in (("--runtime=onnx", "--runtime onnx needs --model"), ("--stream", "--stream needs --model")):
        rc, out, err = run(capsys, "transcribe", option, tone_wav())
        assert rc == 2 and err.startswith(f"error: {word}") and err.count("\n") == 1


# --- the folder that ships ---------------------------------------------------------------


def test_the_shipped_folder_is_complete_and_within_the_size_budget():
    names = {"model.safetensors", "lm.arpa.gz", "lexicon.txt", "prior.txt", "decoder.yaml", "model_card.json"}
    assert {p.name for p in SHIPPED.iterdir()} == names
    # #22: model and LM together under about 40 MB, PocketSphinx's bundled en-us model's size.
    assert sum(p.stat().st_size for p in SHIPPED.iterdir()) < 40e6
    card = json.loads((SHIPPED / "model_card.json").read_text())
    assert card["files_bytes"] == {n: (SHIPPED / n).stat().st_size for n in names - {"model_card.json"}}
    for field in ("training_data", "recipe", "evaluation", "peer"):
        assert card[field], field
    info = read_package_info(SHIPPED / "model.safetensors")
    assert info["config"]["frontend"]["mask_above_hz"] == card["frontend_mask_above_hz"]
    cfg = yaml.safe_load((SHIPPED / "decoder.yaml").read_text())
    assert cfg["name"] == "beam_lm" and {cfg["lm"], cfg["lexicon"], cfg["prior"]} <= names


# --- tools/build_builtin_model.py: the folder it writes is the one the package reads -----


@pytest.mark.slow
def test_the_builder_writes_a_folder_the_package_loads_and_refuses_to_clobber_it(stand_in, tone_wav, tmp_path):
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    dev = tmp_path / "dev.jsonl"
    dev.write_text("".join(json.dumps({"id": f"u{i}", "audio": str(tone_wav(f"u{i}.wav", seconds=1.0 + i / 2)),
                                       "duration": 1.0 + i / 2, "text": "a cab"}) + "\n" for i in range(3)))
    tuned = tmp_path / "tuned.yaml"
    tuned.write_text(yaml.safe_dump({**pretrained.builtin_decoder_config(), "num_workers": 1}))
    card = tmp_path / "card.json"
    card.write_text(json.dumps({"name": "english_small", "training_data": "tones"}))
    out = tmp_path / "built"
    command = [sys.executable, str(root / "tools" / "build_builtin_model.py"), "--model", str(stand_in / "model.safetensors"),
               "--decoder", str(tuned), "--lm", str(stand_in / "lm.arpa"), "--lexicon", str(stand_in / "lexicon.txt"),
               "--dev", str(dev), "--ci-utterances", "2", "--card", str(card), "--out", str(out)]
    proc = subprocess.run(command, capture_output=True, text=True, cwd=root, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert {p.name for p in out.iterdir()} == {"model.safetensors", "lm.arpa.gz", "lexicon.txt", "prior.txt",
                                               "decoder.yaml", "model_card.json"}
    built = json.loads((out / "model_card.json").read_text())
    assert built["training_data"] == "tones"
    assert built["evaluation"]["utterances"] == 3 and built["ci_subset"]["utterances"] == 2
    assert built["files_bytes"]["lm.arpa.gz"] == (out / "lm.arpa.gz").stat().st_size
    assert proc.stdout.strip().splitlines()[-1] == f"wer_beam_lm: {built['evaluation']['wer_beam_lm']}"
    assert read_package_info(out / "model.safetensors")["extra"]["weights_dtype"] == "float16"

    pretrained.FOLDER = out  # (monkeypatch restores it) the package reads what the builder wrote
    cfg = pretrained.builtin_decoder_config()
    assert cfg["lm"] == str(out / "lm.arpa.gz") and cfg["prior"] == str(out / "prior.txt")
    assert pretrained.load_builtin().transcribe([dev.parent / "u0.wav"])[0].text

    again = subprocess.run(command, capture_output=True, text=True, cwd=root, timeout=600)
    assert again.returncode != 0 and again.stderr.strip() == f"error: {out}: the folder exists; pass --overwrite to replace it"
