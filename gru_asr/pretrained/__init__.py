"""The model that ships inside the package: what ``gru-asr transcribe audio.wav`` uses when
no ``--model`` is given, and ``gru_asr.load_model()`` with no path.

It is an ordinary packaged model with the files it decodes with, in one folder of package
data (``setup.py`` puts it in the wheel)::

    english_small/
        model.safetensors    the package (gru-asr package --dtype float16)
        lm.arpa.gz           the word n-gram (KenLM reads gzip ARPA)
        lexicon.txt          word -> token spellings for the lexicon search
        prior.txt            the label prior for beam_lm's prior_scale
        decoder.yaml         beam_lm settings; lm, lexicon and prior name files of this folder
        model_card.json      what it was trained on, how, and its measured WER

Paths in ``decoder.yaml`` are file names inside the folder, resolved here, so the folder
works wherever pip put it. How it was made: ``recipes/mini_librispeech/RESULTS.md``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gru_asr.packaging.package import PackageError

BUILTIN_NAME = "english_small"
FOLDER = Path(__file__).resolve().parent / BUILTIN_NAME
# The decoder config's fields that name files of the folder.
_FILE_FIELDS = ("lm", "lexicon", "prior")


class BuiltinModelError(PackageError):
    """The built-in model's folder is missing a file or holds a bad one (a broken install)."""


def builtin_folder() -> Path:
    return FOLDER


def _file(name: str) -> Path:
    path = builtin_folder() / name
    if not path.is_file():
        raise BuiltinModelError(f"{path}: the built-in model's file is missing (a broken install? "
                                f"reinstall gru_asr, or name a model file)")
    return path


def builtin_model_path() -> Path:
    """The built-in model's package file."""
    return _file("model.safetensors")


def builtin_decoder_config() -> dict[str, Any]:
    """The decoder config the built-in model was tuned with, its file names made absolute."""
    import yaml

    path = _file("decoder.yaml")
    try:
        cfg = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise BuiltinModelError(f"{path}: not valid YAML ({str(err).splitlines()[0]})") from None
    if not isinstance(cfg, dict) or not isinstance(cfg.get("name"), str):
        raise BuiltinModelError(f"{path}: a decoder config is a YAML mapping with a name")
    for field in _FILE_FIELDS:
        if cfg.get(field):
            if not isinstance(cfg[field], str):
                raise BuiltinModelError(f"{path}: {field} must be a file name of the folder")
            cfg[field] = str(_file(cfg[field]))
    return cfg


def builtin_card() -> dict[str, Any]:
    """The model card: training data, recipe, measured WER, sizes."""
    path = _file("model_card.json")
    try:
        card = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise BuiltinModelError(f"{path}: not valid JSON ({err})") from None
    if not isinstance(card, dict):
        raise BuiltinModelError(f"{path}: a model card is a JSON object")
    return card


def load_builtin(device: str = "cpu", decoder: str | dict | None = None):
    """The built-in model as a :class:`gru_asr.inference.Model`, decoding with its tuned
    ``beam_lm`` unless ``decoder`` says otherwise."""
    from gru_asr.inference import Model

    return Model.load(builtin_model_path(), device=device,
                      decoder=builtin_decoder_config() if decoder is None else decoder)


__all__ = ["BUILTIN_NAME", "BuiltinModelError", "builtin_card", "builtin_decoder_config", "builtin_folder",
           "builtin_model_path", "load_builtin"]
