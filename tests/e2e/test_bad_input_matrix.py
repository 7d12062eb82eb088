"""The bad-input matrix (issue #23): every subcommand x {missing path, empty file, wrong
format, unreadable encoding, existing output}.

Each cell asserts the exit status (2 for bad input; ``transcribe`` promises 1 when an
input fails), one line on stderr that names the path, no traceback, and that no file in
the test's folder changed and none was added (every file is hashed before and after).
Cells that do not apply to a command (an encoding for a binary model file, an output
for ``info``) are left out of the parametrization. Extra rows cover what the issue
names besides the five kinds: a bad model for the commands that load one, ``--best`` on
an empty folder, ``--lexicon`` without ``--model``, a broken manifest among
``transcribe``'s inputs, ``--plugin`` with a module that does not exist.

Everything runs in-process (``gru_asr.cli.main.main``) except ``train``, which is a
Hydra application and runs as a subprocess.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pytest
import soundfile as sf

from tests.conftest import small_model_config

ROOT = Path(__file__).resolve().parents[2]
KINDS = ("missing", "empty", "wrong_format", "encoding", "existing_output")


# ---------------------------------------------------------------------------- inputs


class Workspace:
    """Builds the inputs of one cell inside the test's tmp folder."""

    def __init__(self, root: Path, model_file: Path):
        self.root = root
        self._model_file = model_file

    def path(self, name: str) -> Path:
        return self.root / name

    def missing(self, name: str) -> Path:
        return self.root / name

    def empty(self, name: str) -> Path:
        p = self.root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"")
        return p

    def wav(self, name: str = "tone.wav", seconds: float = 1.0) -> Path:
        p = self.root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        t = np.arange(int(16000 * seconds)) / 16000
        sf.write(p, (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 16000, format="WAV")
        return p

    def text(self, name: str, content: str = "hello world\nthe cat sat on the mat\n") -> Path:
        p = self.root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(content, encoding="utf-8")
        return p

    def latin1(self, name: str, content: str = "café au lait\nna\u00efve fa\u00e7ade\n") -> Path:
        p = self.root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(content.encode("latin-1"))
        return p

    def manifest(self, name: str = "good.jsonl", audio: str | None = None) -> Path:
        audio = audio or self.wav(Path(name).stem + ".wav").name
        return self.text(name, json.dumps({"id": "u1", "audio": audio, "duration": 1.0, "text": "hello world"}) + "\n")

    def latin1_manifest(self, name: str = "latin1.jsonl") -> Path:
        self.wav("latin1_audio.wav")
        return self.latin1(name, json.dumps({"audio": "latin1_audio.wav", "duration": 1.0, "text": "café"},
                                            ensure_ascii=False) + "\n")

    def model(self, name: str = "model.safetensors") -> Path:
        p = self.root / name
        p.write_bytes(self._model_file.read_bytes())
        return p

    def truncated_model(self, name: str = "truncated.safetensors") -> Path:
        data = self._model_file.read_bytes()
        p = self.root / name
        p.write_bytes(data[: len(data) // 2])
        return p

    def arpa(self, name: str = "lm.arpa") -> Path:
        from gru_asr.lm.ngram import build_arpa

        return build_arpa(["hello world", "the cat sat on the mat"], self.root / name, order=2, use_lmplz=False)


@dataclass
class Cell:
    command: str
    kind: str
    setup: Callable[[Workspace], tuple[list[str], list[Path]]]  # -> argv, paths one of which the message names
    code: int = 2
    subprocess: bool = False
    xfail: str | None = None
    codes: tuple[int, ...] = field(default=())  # accepted exit codes when more than one is right

    @property
    def id(self) -> str:
        return f"{self.command.replace(' ', '_')}-{self.kind}"


CELLS: list[Cell] = []


def cell(command: str, kind: str, **kw):
    def register(fn):
        CELLS.append(Cell(command, kind, fn, **kw))
        return fn

    return register


# ---------------------------------------------------------------------------- synth --text


@cell("synth", "missing")
def _(w):
    return ["synth", "--out", str(w.path("corpus")), "--text", str(w.missing("sentences.txt"))], [w.path("sentences.txt")]


@cell("synth", "empty")
def _(w):
    return ["synth", "--out", str(w.path("corpus")), "--text", str(w.empty("sentences.txt"))], [w.path("sentences.txt")]


@cell("synth", "wrong_format")
def _(w):
    return ["synth", "--out", str(w.path("corpus")), "--text", str(w.wav("sentences.wav"))], [w.path("sentences.wav")]


@cell("synth", "encoding")
def _(w):
    return ["synth", "--out", str(w.path("corpus")), "--text", str(w.latin1("sentences.txt"))], [w.path("sentences.txt")]


@cell("synth", "existing_output")
def _(w):
    out = w.path("corpus")
    w.text("corpus/corpus.json", "{}\n")
    w.text("corpus/train.jsonl", '{"audio": "a.wav", "duration": 1.0, "text": "hand edited"}\n')
    return ["synth", "--out", str(out), "--text", str(w.text("sentences.txt"))], [out]


# ---------------------------------------------------------------------------- prepare (LJSpeech layout)


def _ljspeech(w: Workspace, metadata: Callable[[str], Path] | None = None) -> Path:
    root = w.path("lj")
    w.wav("lj/wavs/LJ003-0001.wav")
    if metadata is None:
        w.text("lj/metadata.csv", "LJ003-0001|Hello world.|hello world\n")
    else:
        metadata("lj/metadata.csv")
    return root


@cell("prepare", "missing")
def _(w):
    return ["prepare", "ljspeech", "--root", str(w.missing("lj")), "--out", str(w.path("m"))], [w.path("lj")]


@cell("prepare", "empty")
def _(w):
    root = _ljspeech(w, w.empty)
    return ["prepare", "ljspeech", "--root", str(root), "--out", str(w.path("m"))], [root]


@cell("prepare", "wrong_format")
def _(w):
    root = _ljspeech(w, w.wav)
    return ["prepare", "ljspeech", "--root", str(root), "--out", str(w.path("m"))], [root]


@cell("prepare", "encoding")
def _(w):
    root = _ljspeech(w, lambda name: w.latin1(name, "LJ003-0001|Café.|café\n"))
    return ["prepare", "ljspeech", "--root", str(root), "--out", str(w.path("m"))], [root]


@cell("prepare", "existing_output")
def _(w):
    root = _ljspeech(w)
    w.text("m/train.jsonl", '{"audio": "x.wav", "duration": 1.0, "text": "hand edited"}\n')
    return ["prepare", "ljspeech", "--root", str(root), "--out", str(w.path("m"))], [w.path("m")]


@cell("prepare", "out_is_a_file")
def _(w):
    root = _ljspeech(w)
    out = w.text("m", "not a folder\n")
    return ["prepare", "ljspeech", "--root", str(root), "--out", str(out)], [out]


# ---------------------------------------------------------------------------- evaluate


def _evaluate(w, manifest, *extra, model=None):
    return ["evaluate", "--model", str(model or w.model()), str(manifest), *extra]


@cell("evaluate", "prior_wrong_format")
def _(w):
    prior = w.text("prior.txt", "not a prior\n")
    decoder = w.text("decoder.yaml", f"name: beam_lm\nlm: {w.arpa()}\nprior: {prior}\nprior_scale: 1.0\n")
    return _evaluate(w, w.manifest("test.jsonl"), "--decoder", str(decoder)), [prior]


@cell("evaluate", "missing")
def _(w):
    return _evaluate(w, w.missing("test.jsonl")), [w.path("test.jsonl")]


@cell("evaluate", "empty")
def _(w):
    return _evaluate(w, w.empty("test.jsonl")), [w.path("test.jsonl")]


@cell("evaluate", "wrong_format")
def _(w):
    return _evaluate(w, w.wav("test.wav")), [w.path("test.wav")]


@cell("evaluate", "encoding")
def _(w):
    return _evaluate(w, w.latin1_manifest("test.jsonl")), [w.path("test.jsonl")]


@cell("evaluate", "existing_output")
def _(w):
    w.text("results/results.json", '{"wer": 1.0}\n')
    return _evaluate(w, w.manifest("test.jsonl"), "--out-dir", str(w.path("results"))), [w.path("results")]


@cell("evaluate", "model_missing")
def _(w):
    return _evaluate(w, w.manifest(), model=w.missing("none.safetensors")), [w.path("none.safetensors")]


@cell("evaluate", "model_not_a_package")
def _(w):
    return _evaluate(w, w.manifest(), model=w.text("notes.safetensors")), [w.path("notes.safetensors")]


@cell("evaluate", "model_truncated")
def _(w):
    return _evaluate(w, w.manifest(), model=w.truncated_model()), [w.path("truncated.safetensors")]


@cell("evaluate", "decoder_yaml_broken")
def _(w):
    dec = w.text("decoder.yaml", "name: [beam_lm\n")
    return _evaluate(w, w.manifest(), "--decoder", str(dec)), [dec]


# ---------------------------------------------------------------------------- transcribe (README: 1 when an input fails)


def _transcribe(w, *inputs):
    return ["transcribe", "--model", str(w.model()), *map(str, inputs)]


@cell("transcribe", "missing", code=1)
def _(w):
    return _transcribe(w, w.missing("speech.wav")), [w.path("speech.wav")]


@cell("transcribe", "empty", code=1)
def _(w):
    return _transcribe(w, w.empty("speech.wav")), [w.path("speech.wav")]


@cell("transcribe", "wrong_format", code=1)
def _(w):
    return _transcribe(w, w.text("speech.wav", "this is text, not audio\n")), [w.path("speech.wav")]


@cell("transcribe", "encoding", code=1)
def _(w):
    # A latin-1 manifest among the inputs: reported, and the other input still transcribed.
    return _transcribe(w, w.latin1_manifest("list.jsonl"), w.wav("other.wav")), [w.path("list.jsonl")]


@cell("transcribe", "existing_output")
def _(w):
    w.text("out/speech.txt", "a transcript the user corrected by hand\n")
    return [*_transcribe(w, w.wav("speech.wav")), "--output-dir", str(w.path("out"))], [w.path("out/speech.txt")]


@cell("transcribe", "broken_manifest", code=1)
def _(w):
    manifest = w.text("list.jsonl", '{"audio": "a.wav", "duration": 1.0\n')
    return _transcribe(w, manifest, w.wav("other.wav")), [manifest]


@cell("transcribe", "model_truncated")
def _(w):
    return ["transcribe", "--model", str(w.truncated_model()), str(w.wav())], [w.path("truncated.safetensors")]


# ---------------------------------------------------------------------------- export (binary input: no encoding cell)


@cell("export", "missing")
def _(w):
    return ["export", str(w.missing("model.safetensors")), "-o", str(w.path("m.onnx"))], [w.path("model.safetensors")]


@cell("export", "empty")
def _(w):
    return ["export", str(w.empty("model.safetensors")), "-o", str(w.path("m.onnx"))], [w.path("model.safetensors")]


@cell("export", "wrong_format")
def _(w):
    return ["export", str(w.wav("model.safetensors")), "-o", str(w.path("m.onnx"))], [w.path("model.safetensors")]


@cell("export", "existing_output")
def _(w):
    out = w.text("m.onnx", "an earlier export\n")
    return ["export", str(w.model()), "-o", str(out)], [out]


# ---------------------------------------------------------------------------- lm build


def _lm(w, text, *extra):
    return ["lm", "build", str(text), "-o", str(w.path("lm.arpa")), *extra]


@cell("lm build", "missing")
def _(w):
    return _lm(w, w.missing("text.txt")), [w.path("text.txt")]


@cell("lm build", "empty")
def _(w):
    return _lm(w, w.empty("text.txt")), [w.path("text.txt")]


@cell("lm build", "wrong_format")
def _(w):
    return _lm(w, w.wav("text.wav")), [w.path("text.wav")]


@cell("lm build", "encoding")
def _(w):
    return _lm(w, w.latin1("text.txt")), [w.path("text.txt")]


@cell("lm build", "existing_output")
def _(w):
    w.text("lm.arpa", "an LM the user built before\n")
    return _lm(w, w.text("text.txt")), [w.path("lm.arpa")]


@cell("lm build", "broken_manifest")
def _(w):
    return _lm(w, w.text("text.jsonl", '{"audio": "a.wav",\n')), [w.path("text.jsonl")]


@cell("lm build", "lexicon_without_model")
def _(w):
    # Refused before the ARPA is written: the no-new-file check covers lm.arpa.
    return _lm(w, w.text("text.txt"), "--lexicon", str(w.path("lexicon.txt"))), [w.path("lexicon.txt")]


@cell("lm build", "existing_lexicon")
def _(w):
    lexicon = w.text("lexicon.txt", "hello\th e l l o |\n")
    return _lm(w, w.text("text.txt"), "--model", str(w.model()), "--lexicon", str(lexicon)), [lexicon]


@cell("lm build", "model_missing")
def _(w):
    return _lm(w, w.text("text.txt"), "--model", str(w.missing("none.safetensors"))), [w.path("none.safetensors")]


@cell("lm build", "model_not_a_package")
def _(w):
    return _lm(w, w.text("text.txt"), "--model", str(w.text("notes.safetensors"))), [w.path("notes.safetensors")]


@cell("lm build", "model_truncated")
def _(w):
    return _lm(w, w.text("text.txt"), "--model", str(w.truncated_model())), [w.path("truncated.safetensors")]


# ---------------------------------------------------------------------------- lm prior


def _prior(w, manifest, *extra, model=None):
    return ["lm", "prior", str(manifest), "--model", str(model or w.model()), "-o", str(w.path("prior.txt")), *extra]


@cell("lm prior", "missing")
def _(w):
    return _prior(w, w.missing("train.jsonl")), [w.path("train.jsonl")]


@cell("lm prior", "empty")
def _(w):
    return _prior(w, w.empty("train.jsonl")), [w.path("train.jsonl")]


@cell("lm prior", "wrong_format")
def _(w):
    return _prior(w, w.wav("train.wav")), [w.path("train.wav")]


@cell("lm prior", "encoding")
def _(w):
    return _prior(w, w.latin1_manifest("train.jsonl")), [w.path("train.jsonl")]


@cell("lm prior", "existing_output")
def _(w):
    out = w.text("prior.txt", "# gru_asr label prior (an earlier estimate)\n")
    return _prior(w, w.manifest("train.jsonl")), [out]


@cell("lm prior", "model_missing")
def _(w):
    return _prior(w, w.manifest("train.jsonl"), model=w.missing("none.safetensors")), [w.path("none.safetensors")]


# ---------------------------------------------------------------------------- data check / import / shard


@cell("data check", "missing")
def _(w):
    return ["data", "check", str(w.missing("m.jsonl"))], [w.path("m.jsonl")]


@cell("data check", "empty")
def _(w):
    return ["data", "check", str(w.empty("m.jsonl"))], [w.path("m.jsonl")]


@cell("data check", "wrong_format")
def _(w):
    return ["data", "check", str(w.wav("m.wav"))], [w.path("m.wav")]


@cell("data check", "encoding")
def _(w):
    return ["data", "check", str(w.latin1_manifest("m.jsonl"))], [w.path("m.jsonl")]


@cell("data check", "existing_output")
def _(w):
    w.text("m.clean.jsonl", '{"audio": "x.wav", "duration": 1.0, "text": "kept"}\n')
    return ["data", "check", str(w.manifest("m.jsonl")), "--write-clean"], [w.path("m.clean.jsonl")]


@cell("data check", "model_truncated")
def _(w):
    return ["data", "check", str(w.manifest("m.jsonl")), "--model", str(w.truncated_model())], [w.path("truncated.safetensors")]


@cell("data import", "missing")
def _(w):
    return ["data", "import", str(w.missing("nemo.json")), "-o", str(w.path("out.jsonl"))], [w.path("nemo.json")]


@cell("data import", "empty")
def _(w):
    return ["data", "import", str(w.empty("nemo.json")), "-o", str(w.path("out.jsonl"))], [w.path("nemo.json")]


@cell("data import", "wrong_format")
def _(w):
    return ["data", "import", str(w.wav("nemo.wav")), "-o", str(w.path("out.jsonl"))], [w.path("nemo.wav")]


@cell("data import", "encoding")
def _(w):
    w.wav("a.wav")
    src = w.latin1("nemo.json", json.dumps({"audio_filepath": "a.wav", "duration": 1.0, "text": "café"},
                                           ensure_ascii=False) + "\n")
    return ["data", "import", str(src), "-o", str(w.path("out.jsonl"))], [src]


@cell("data import", "existing_output")
def _(w):
    w.wav("a.wav")
    src = w.text("nemo.json", json.dumps({"audio_filepath": "a.wav", "duration": 1.0, "text": "hello"}) + "\n")
    out = w.text("out.jsonl", '{"audio": "x.wav", "duration": 1.0, "text": "hand edited"}\n')
    return ["data", "import", str(src), "-o", str(out)], [out]


@cell("data shard", "missing")
def _(w):
    return ["data", "shard", str(w.missing("m.jsonl")), "--out", str(w.path("shards"))], [w.path("m.jsonl")]


@cell("data shard", "empty")
def _(w):
    return ["data", "shard", str(w.empty("m.jsonl")), "--out", str(w.path("shards"))], [w.path("m.jsonl")]


@cell("data shard", "wrong_format")
def _(w):
    return ["data", "shard", str(w.wav("m.wav")), "--out", str(w.path("shards"))], [w.path("m.wav")]


@cell("data shard", "encoding")
def _(w):
    return ["data", "shard", str(w.latin1_manifest("m.jsonl")), "--out", str(w.path("shards"))], [w.path("m.jsonl")]


@cell("data shard", "existing_output")
def _(w):
    w.text("shards/shards.jsonl", '{"tar": "shard-000000.tar"}\n')
    w.text("shards/shard-000000.tar", "an earlier shard\n")
    return ["data", "shard", str(w.manifest("m.jsonl")), "--out", str(w.path("shards"))], [w.path("shards")]


# ---------------------------------------------------------------------------- tokenizer train


def _tok(w, text):
    return ["tokenizer", "train", str(text), "-o", str(w.path("tok.yaml")), "--vocab-size", "8"]


@cell("tokenizer train", "missing")
def _(w):
    return _tok(w, w.missing("text.txt")), [w.path("text.txt")]


@cell("tokenizer train", "empty")
def _(w):
    return _tok(w, w.empty("text.txt")), [w.path("text.txt")]


@cell("tokenizer train", "wrong_format")
def _(w):
    return _tok(w, w.wav("text.wav")), [w.path("text.wav")]


@cell("tokenizer train", "encoding")
def _(w):
    return _tok(w, w.latin1("text.txt")), [w.path("text.txt")]


@cell("tokenizer train", "existing_output")
def _(w):
    w.text("tok.yaml", "# @package tokenizer\nname: char\n")
    return _tok(w, w.text("text.txt")), [w.path("tok.yaml")]


# ---------------------------------------------------------------------------- tune-lm


def _tune(w, manifest, *extra, model=None, lm=None):
    return ["tune-lm", "--model", str(model or w.model()), str(manifest), "--lm", str(lm or w.arpa()),
            "--lm-weights", "0.5,1.0", "--word-scores", "0", "--beam-size", "4", *extra]


@cell("tune-lm", "missing")
def _(w):
    return _tune(w, w.missing("dev.jsonl")), [w.path("dev.jsonl")]


@cell("tune-lm", "empty")
def _(w):
    return _tune(w, w.empty("dev.jsonl")), [w.path("dev.jsonl")]


@cell("tune-lm", "wrong_format")
def _(w):
    return _tune(w, w.wav("dev.wav")), [w.path("dev.wav")]


@cell("tune-lm", "encoding")
def _(w):
    return _tune(w, w.latin1_manifest("dev.jsonl")), [w.path("dev.jsonl")]


@cell("tune-lm", "existing_output")
def _(w):
    out = w.text("decoder.yaml", "name: beam_lm\nlm_weight: 1.5\n")
    return _tune(w, w.manifest("dev.jsonl"), "--write", str(out)), [out]


@cell("tune-lm", "model_missing")
def _(w):
    return _tune(w, w.manifest("dev.jsonl"), model=w.missing("none.safetensors")), [w.path("none.safetensors")]


@cell("tune-lm", "model_not_a_package")
def _(w):
    return _tune(w, w.manifest("dev.jsonl"), model=w.text("notes.safetensors")), [w.path("notes.safetensors")]


@cell("tune-lm", "model_truncated")
def _(w):
    return _tune(w, w.manifest("dev.jsonl"), model=w.truncated_model()), [w.path("truncated.safetensors")]


@cell("tune-lm", "lm_missing")
def _(w):
    return _tune(w, w.manifest("dev.jsonl"), lm=w.missing("none.arpa")), [w.path("none.arpa")]


@cell("tune-lm", "prior_missing")
def _(w):
    return _tune(w, w.manifest("dev.jsonl"), "--prior", str(w.missing("prior.txt"))), [w.path("prior.txt")]


@cell("tune-lm", "prior_wrong_format")
def _(w):
    return _tune(w, w.manifest("dev.jsonl"), "--prior", str(w.text("prior.txt", "not a prior\n"))), [w.path("prior.txt")]


@cell("tune-lm", "lm_wrong_format")
def _(w):
    return _tune(w, w.manifest("dev.jsonl"), lm=w.text("notes.arpa", "this is not an ARPA file\n")), [w.path("notes.arpa")]


# ---------------------------------------------------------------------------- package (binary input: no encoding cell)


@cell("package", "missing")
def _(w):
    return ["package", str(w.missing("a.ckpt")), "-o", str(w.path("m.safetensors"))], [w.path("a.ckpt")]


@cell("package", "empty")
def _(w):
    return ["package", str(w.empty("a.ckpt")), "-o", str(w.path("m.safetensors"))], [w.path("a.ckpt")]


@cell("package", "wrong_format")
def _(w):
    return ["package", str(w.wav("a.ckpt")), "-o", str(w.path("m.safetensors"))], [w.path("a.ckpt")]


@cell("package", "existing_output")
def _(w):
    out = w.model("m.safetensors")
    return ["package", str(w.text("a.ckpt", "x")), "-o", str(out)], [out]


@cell("package", "best_empty_folder")
def _(w):
    (w.path("checkpoints")).mkdir()
    return ["package", str(w.path("checkpoints")), "--best", "2", "-o", str(w.path("m.safetensors"))], [w.path("checkpoints")]


@cell("package", "best_missing_folder")
def _(w):
    return ["package", str(w.missing("checkpoints")), "--best", "2", "-o", str(w.path("m.safetensors"))], [w.path("checkpoints")]


# ---------------------------------------------------------------------------- info (binary input, no output)


@cell("info", "missing")
def _(w):
    return ["info", str(w.missing("model.safetensors"))], [w.path("model.safetensors")]


@cell("info", "empty")
def _(w):
    return ["info", str(w.empty("model.safetensors"))], [w.path("model.safetensors")]


@cell("info", "wrong_format")
def _(w):
    return ["info", str(w.wav("model.safetensors"))], [w.path("model.safetensors")]


# ---------------------------------------------------------------------------- --plugin (any non-train command)


@cell("plugin", "missing_module")
def _(w):
    return ["info", str(w.model()), "--plugin", "nosuch_module_for_gru_asr"], ["nosuch_module_for_gru_asr"]


# ---------------------------------------------------------------------------- train (a Hydra app: subprocess)


def _train(w, manifest, exp="exp"):
    return ["train", f"data.train={manifest}", f"data.dev={manifest}", f"exp_dir={w.path(exp)}",
            "trainer.max_epochs=1", "encoder.hidden_size=8", "encoder.num_layers=1", "data.num_workers=0"]


@cell("train", "missing", subprocess=True)
def _(w):
    return _train(w, w.missing("train.jsonl")), [w.path("train.jsonl")]


@cell("train", "empty", subprocess=True)
def _(w):
    return _train(w, w.empty("train.jsonl")), [w.path("train.jsonl")]


@cell("train", "wrong_format", subprocess=True)
def _(w):
    return _train(w, w.wav("train.wav")), [w.path("train.wav")]


@cell("train", "encoding", subprocess=True)
def _(w):
    return _train(w, w.latin1_manifest("train.jsonl")), [w.path("train.jsonl")]


@cell("train", "existing_output", subprocess=True)
def _(w):
    # exp/ holds another run: its config, a checkpoint and its model. None of them may change.
    w.text("exp/config.yaml", "# the earlier run's config\nexperiment_name: earlier\n")
    w.text("exp/checkpoints/epoch000-wer0.5000.ckpt", "an earlier checkpoint\n")
    w.model("exp/model.safetensors")
    return _train(w, w.manifest("train.jsonl")), [w.path("exp")]


# ---------------------------------------------------------------------------- the test


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    from gru_asr.models import CTCModel
    from gru_asr.packaging import save_package

    return save_package(CTCModel(small_model_config()).eval(), tmp_path_factory.mktemp("model") / "model.safetensors")


def snapshot(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def run_in_process(argv: list[str], capfd) -> tuple[int, str, str]:
    """``main(argv)``; file-descriptor capture, so what C/C++ libraries print counts too."""
    from gru_asr.cli.main import main

    capfd.readouterr()
    try:
        code = main(list(argv))
    except SystemExit as err:  # argparse, or a command that exits by itself
        code = err.code if isinstance(err.code, int) else 1
    except BaseException as err:  # noqa: BLE001 - a traceback is what the matrix forbids
        import traceback

        pytest.fail(f"{argv}: uncaught {type(err).__name__} (a user would see a traceback):\n"
                    + "".join(traceback.format_exception(err))[-3000:])
    out, err = capfd.readouterr()
    return code, out, err


def run_subprocess(argv: list[str], cwd: Path) -> tuple[int, str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    proc = subprocess.run([sys.executable, "-m", "gru_asr", *argv], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=240)
    return proc.returncode, proc.stdout, proc.stderr


def _params():
    for c in CELLS:
        marks = [pytest.mark.xfail(strict=False, reason=c.xfail)] if c.xfail else []
        yield pytest.param(c, id=c.id, marks=marks)


@pytest.mark.parametrize("c", list(_params()))
def test_bad_input(c: Cell, tmp_path, model_file, capfd):
    work = tmp_path / "w"
    work.mkdir()
    argv, named = c.setup(Workspace(work, model_file))
    before = snapshot(work)
    code, out, err = run_subprocess(argv, work) if c.subprocess else run_in_process(argv, capfd)
    shown = f"argv: {argv}\nexit {code}\nstdout:\n{out[-1500:]}\nstderr:\n{err[-3000:]}"
    assert "Traceback" not in err, shown
    assert code in (c.codes or (c.code,)), shown
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr\n{shown}"
    assert lines[0].startswith("error: "), shown
    assert any(str(p) in lines[0] for p in named), f"the message names none of {named}\n{shown}"
    assert snapshot(work) == before, f"files changed or appeared\n{shown}"
    if c.command == "transcribe" and c.code == 1 and "other.wav" in " ".join(argv):
        assert "other.wav" not in err and out.strip(), "the other input must still be transcribed\n" + shown


def test_every_command_is_in_the_matrix():
    from gru_asr.cli.main import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    commands = set(sub.choices) - {"doctor", "plugins"}  # no input files: doctor checks the install, plugins lists
    for group in ("lm", "data", "tokenizer"):
        commands.discard(group)
        nested = next(a for a in sub.choices[group]._actions if a.__class__.__name__ == "_SubParsersAction")
        commands |= {f"{group} {action}" for action in nested.choices}
    covered = {c.command for c in CELLS}
    assert commands <= covered, f"commands without bad-input cells: {sorted(commands - covered)}"
    for command in commands:
        kinds = {c.kind for c in CELLS if c.command == command}
        assert kinds & set(KINDS), command


def matrix_table() -> str:
    """The matrix as the issue's closing note lists it (``python -m tests.e2e.test_bad_input_matrix``)."""
    commands = list(dict.fromkeys(c.command for c in CELLS))
    rows = [f"| command | {' | '.join(KINDS)} | other |", "|" + "---|" * (len(KINDS) + 2)]
    for command in commands:
        kinds = {c.kind: c for c in CELLS if c.command == command}
        cols = [("exit " + "/".join(map(str, kinds[k].codes or (kinds[k].code,)))) if k in kinds else "n/a" for k in KINDS]
        extra = ", ".join(k for k in kinds if k not in KINDS)
        rows.append(f"| {command} | {' | '.join(cols)} | {extra} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(matrix_table())
