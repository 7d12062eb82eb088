"""`gru-asr tokenizer train`: a small YAML that names a .model file beside it, a printed
`gru-asr train` line that works as printed, a self-contained model config for
checkpoints and packages, old inline YAMLs still loadable, bad input in one line and
no silent overwrite (issue #23)."""

from __future__ import annotations

import base64
import os
import random
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from gru_asr.cli.main import main
from gru_asr.tokenizers import SentencePieceTokenizer, build_tokenizer

ROOT = Path(__file__).resolve().parents[2]
WORDS = "the cat sat on a mat dog ran fast slow bird sings every day night".split()


@pytest.fixture
def text(tmp_path):
    rng = random.Random(0)
    path = tmp_path / "text.txt"
    path.write_text("\n".join(" ".join(rng.choice(WORDS) for _ in range(8)) for _ in range(300)) + "\n")
    return path


def train_tokenizer(text, out, capsys, *extra):
    code = main(["tokenizer", "train", str(text), "-o", str(out), "--vocab-size", "40", "--model-type", "bpe", *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def printed_train_command(stdout: str) -> list[str]:
    line = next(x for x in stdout.splitlines() if x.startswith("train with it: "))
    argv = shlex.split(line[len("train with it: "):])
    assert argv[:2] == ["gru-asr", "train"]
    return argv[2:]


def run_train(argv, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    return subprocess.run([sys.executable, "-m", "gru_asr", "train", *argv], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=300)


def test_yaml_names_a_model_file_and_stays_small(text, tmp_path, capsys):
    out = tmp_path / "conf" / "tokenizer" / "bpe40.yaml"
    code, stdout, _ = train_tokenizer(text, out, capsys)
    assert code == 0
    assert out.stat().st_size < 600  # was ~300 KB of base64 for a real vocabulary
    config = yaml.safe_load(out.read_text())
    model_file = Path(config["model_file"])
    assert config["name"] == "sentencepiece" and "model" not in config
    assert model_file == out.with_suffix(".model").resolve() and model_file.is_file()
    tok = build_tokenizer(config)
    assert tok.decode(tok.encode("the cat sat")) == "the cat sat"
    assert out.read_text().startswith("# @package tokenizer\n")


@pytest.mark.parametrize("where", ["tokenizer/bpe40.yaml", "flat/bpe40.yaml"])
def test_the_printed_train_command_works_as_printed(text, tmp_path, capsys, where):
    out = tmp_path / "conf" / where
    code, stdout, _ = train_tokenizer(text, out, capsys)
    assert code == 0
    argv = printed_train_command(stdout)
    # The printed line plus a train manifest that does not exist: the run gets past the
    # whole model config (tokenizer included) and stops at the data, with one line.
    missing = tmp_path / "missing.jsonl"
    proc = run_train([*argv, f"exp_dir={tmp_path / 'exp'}", f"data.train={missing}"], tmp_path)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.strip().splitlines()[-1] == f"error: {missing}: manifest not found", proc.stderr[-2000:]


def test_checkpoints_and_packages_carry_the_model_inline(text, tmp_path, capsys):
    from hydra import compose, initialize_config_dir

    from gru_asr.training.train import model_config_from

    out = tmp_path / "conf" / "tokenizer" / "bpe40.yaml"
    assert train_tokenizer(text, out, capsys)[0] == 0
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose("train", overrides=["tokenizer.name=sentencepiece", f"+tokenizer.model_file={out.with_suffix('.model')}"])
    stored = model_config_from(cfg)["tokenizer"]
    assert set(stored) == {"name", "model"}
    assert base64.b64decode(stored["model"]) == out.with_suffix(".model").read_bytes()
    out.with_suffix(".model").unlink()  # the stored config needs no file
    assert build_tokenizer(stored).vocab_size == 41


def test_old_inline_yaml_still_loads(text):
    tok = SentencePieceTokenizer.train(text.read_text().splitlines(), vocab_size=40)
    old = {"name": "sentencepiece", "model": tok.model_b64}  # what tokenizer train used to write
    from gru_asr.schemas import validate

    assert build_tokenizer(validate("tokenizer", old)).encode("the cat") == tok.encode("the cat")


def test_model_file_errors_name_the_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        SentencePieceTokenizer(model_file=str(tmp_path / "missing.model"))
    junk = tmp_path / "junk.model"
    junk.write_bytes(b"not a model")
    with pytest.raises(ValueError, match="junk.model: not a SentencePiece model"):
        SentencePieceTokenizer(model_file=str(junk))
    with pytest.raises(ValueError, match="exactly one"):
        SentencePieceTokenizer()


def test_existing_output_is_not_replaced_without_overwrite(text, tmp_path, capsys):
    out = tmp_path / "tokenizer" / "bpe40.yaml"
    out.parent.mkdir()
    out.write_text("# mine\n")
    code, _, err = train_tokenizer(text, out, capsys)
    assert code == 2 and err.strip() == f"error: {out}: the file exists; pass --overwrite to replace it"
    assert out.read_text() == "# mine\n" and not out.with_suffix(".model").exists()
    out.unlink()
    out.with_suffix(".model").write_bytes(b"mine")  # the model file is protected too
    code, _, err = train_tokenizer(text, out, capsys)
    assert code == 2 and str(out.with_suffix(".model")) in err and not out.exists()
    code, _, _ = train_tokenizer(text, out, capsys, "--overwrite")
    assert code == 0 and out.with_suffix(".model").read_bytes() != b"mine"


@pytest.mark.parametrize("content", [None, "", "\n  \n", "!!! ... ???\n"])
def test_missing_or_empty_input_is_one_line(tmp_path, capsys, content):
    src = tmp_path / "in.txt"
    if content is not None:
        src.write_text(content)
    out = tmp_path / "tokenizer" / "t.yaml"
    code, _, err = train_tokenizer(src, out, capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(src) in lines[0], err
    assert not out.parent.exists() or not any(out.parent.iterdir())
