"""`gru-asr transcribe` through the command line, as the README's contract states it:
exit status 1 when an input fails (the others are still transcribed), 2 when the model
cannot be loaded; `--format srt|vtt|ctm` carry the same words and times as `--format
jsonl`; `--output-dir DIR` writes one file per input, `DIR/<stem>.<ext>`; `-` reads the
paths from standard input.

The model is a small random-weights package: these tests check that the outputs are
consistent with each other, not that the words are right (tests/e2e/test_recognition.py
does that). The exit statuses and stdin are checked in a real process; the formats
in-process through ``gru_asr.cli.main.main`` (the same argument parsing and code).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from gru_asr.cli.main import main
from gru_asr.inference import Model
from gru_asr.models import CTCModel
from gru_asr.packaging import save_package
from gru_asr.tokenizers import CharTokenizer
from tests.conftest import small_model_config

ROOT = Path(__file__).resolve().parents[2]
EXTENSIONS = {"text": ".txt", "jsonl": ".jsonl", "srt": ".srt", "vtt": ".vtt", "ctm": ".ctm"}


def cli(*args, **kw):
    kw.setdefault("timeout", 120)
    return subprocess.run([sys.executable, "-m", "gru_asr", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, **kw)


def _audio(folder: Path) -> list[Path]:
    """Three files of different lengths: gliding tones in bursts over a little noise."""
    rng = np.random.default_rng(0)
    paths = []
    for i, (name, seconds) in enumerate([("alpha.wav", 1.5), ("bravo.flac", 2.5), ("charlie.wav", 3.0)]):
        t = np.arange(int(seconds * 16000)) / 16000
        x = 0.3 * np.sin(2 * np.pi * (200 + 300 * i) * t * (1 + t)) * (np.sin(2 * np.pi * 1.5 * t) > 0)
        x = (x + 0.05 * rng.standard_normal(len(t))).astype(np.float32)
        sf.write(folder / name, x, 16000)
        paths.append(folder / name)
    return paths


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """(package path, audio paths). The random model's space logit is raised until it
    says several words in every file, so that word grouping, cue splitting and timing
    are actually exercised (a model that says nothing would pass every check below)."""
    root = tmp_path_factory.mktemp("transcribe_cli")
    audio = _audio(root)
    space = CharTokenizer().encode("a b")[1]
    for seed in range(20):
        for bias in (0.5, 0.75, 1.0):
            torch.manual_seed(seed)
            model = CTCModel(small_model_config()).eval()
            with torch.no_grad():
                model.head.proj.bias[space] += bias
            if all(len(r.words) >= 2 for r in Model(model).transcribe(audio)):
                return save_package(model, root / "model.safetensors"), audio
    raise AssertionError("no random model said two words in every file: the fixture needs a new recipe")


def run(capsys, *args) -> tuple[int, str, str]:
    """``gru-asr ARGS`` in this process: (exit status, stdout, stderr)."""
    capsys.readouterr()
    rc = main([str(a) for a in args])
    out = capsys.readouterr()
    return rc, out.out, out.err


def jsonl(capsys, model, *audio) -> list[dict]:
    rc, out, err = run(capsys, "transcribe", "--model", model, "--format", "jsonl", *audio)
    assert rc == 0, err
    return [json.loads(line) for line in out.splitlines()]


# --- exit statuses (README: 1 if any input failed, 2 if the model cannot be loaded) ---------


def test_one_bad_input_among_good_ones_exits_1_and_the_others_are_transcribed(setup, tmp_path):
    model, audio = setup
    missing = tmp_path / "missing.wav"
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF....WAVEfmt not really audio")
    proc = cli("transcribe", "--model", model, "--format", "jsonl", audio[0], missing, audio[1], corrupt, audio[2])
    assert proc.returncode == 1, proc.stderr
    assert [json.loads(x)["audio"] for x in proc.stdout.splitlines()] == [str(p) for p in audio]
    errors = proc.stderr.strip().splitlines()
    assert len(errors) == 2 and "Traceback" not in proc.stderr
    assert errors[0].startswith(f"error: {missing}: ") and errors[1].startswith(f"error: {corrupt}: ")


def test_all_good_inputs_exit_0_and_all_bad_inputs_exit_1(setup, tmp_path, capsys):
    model, audio = setup
    rc, out, err = run(capsys, "transcribe", "--model", model, *audio)
    assert rc == 0 and err == ""
    assert [line.split("\t")[0] for line in out.splitlines()] == [str(p) for p in audio]
    rc, out, err = run(capsys, "transcribe", "--model", model, tmp_path / "nothing.wav", tmp_path / "none.flac")
    assert rc == 1 and out == "" and len(err.strip().splitlines()) == 2
    (tmp_path / "empty").mkdir()
    rc, out, err = run(capsys, "transcribe", "--model", model, tmp_path / "empty")  # a folder without audio
    assert rc == 1 and out == "" and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("kind", ["missing", "garbage", "truncated", "folder"])
def test_a_model_that_cannot_be_loaded_exits_2_with_one_line(setup, tmp_path, kind):
    good, audio = setup
    bad = tmp_path / "model.safetensors"
    if kind == "garbage":
        bad.write_bytes(b"this is not a safetensors file\n" * 10)
    elif kind == "truncated":
        bad.write_bytes(Path(good).read_bytes()[:1000])
    elif kind == "folder":
        bad.mkdir()
    proc = cli("transcribe", "--model", bad, audio[0], audio[1])
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(bad) in lines[0], proc.stderr


# --- output formats ---------------------------------------------------------------------


def _seconds(stamp: str, sep: str) -> float:
    m = re.fullmatch(rf"(\d\d):(\d\d):(\d\d){re.escape(sep)}(\d\d\d)", stamp)
    assert m, stamp
    h, mi, s, ms = map(int, m.groups())
    return h * 3600 + mi * 60 + s + ms / 1000


def parse_srt(text: str) -> list[tuple[float, float, str]]:
    cues = []
    for n, block in enumerate(text.strip().split("\n\n"), 1):
        number, times, words = block.split("\n")
        assert number == str(n), block  # numbered from 1, in order
        start, end = times.split(" --> ")
        cues.append((_seconds(start, ","), _seconds(end, ","), words))
    return cues


def parse_vtt(text: str) -> list[tuple[float, float, str]]:
    header, _, body = text.partition("\n\n")
    assert header == "WEBVTT"
    cues = []
    for block in body.strip().split("\n\n"):
        times, words = block.split("\n")
        start, end = times.split(" --> ")
        cues.append((_seconds(start, "."), _seconds(end, "."), words))
    return cues


def check_cues(cues, result: dict) -> None:
    """Cues in time order, not overlapping, inside the file, saying the jsonl words in
    order, each cue starting at its first word and ending at its last."""
    words = result["words"]
    assert cues and " ".join(c[2] for c in cues).split() == [w["word"] for w in words]
    assert all(0 <= s <= e <= result["duration"] + 0.05 for s, e, _ in cues)
    assert all(a[1] <= b[0] for a, b in zip(cues, cues[1:]))
    i = 0
    for start, end, text in cues:
        n = len(text.split())
        assert start == pytest.approx(words[i]["start"], abs=1e-3)
        assert end == pytest.approx(words[i + n - 1]["end"], abs=1e-3)
        i += n


def test_srt_and_vtt_carry_the_jsonl_words_and_times(setup, capsys):
    model, audio = setup
    for path, result in zip(audio, jsonl(capsys, model, *audio)):
        assert len(result["words"]) >= 2
        assert [w["word"] for w in result["words"]] == result["text"].split()
        for fmt, parse in (("srt", parse_srt), ("vtt", parse_vtt)):
            rc, out, err = run(capsys, "transcribe", "--model", model, "--format", fmt, path)
            assert rc == 0, err
            check_cues(parse(out), result)


def test_ctm_has_one_line_per_jsonl_word_with_its_times(setup, capsys):
    model, audio = setup
    results = jsonl(capsys, model, *audio)
    rc, out, err = run(capsys, "transcribe", "--model", model, "--format", "ctm", *audio)
    assert rc == 0, err
    rows = [line.split() for line in out.splitlines()]
    expected = [(Path(r["audio"]).stem, w) for r in results for w in r["words"]]
    assert len(rows) == len(expected)
    for row, (stem, w) in zip(rows, expected):
        name, channel, start, duration, word, confidence = row  # NIST CTM: six columns
        assert (name, channel, word) == (stem, "1", w["word"])
        assert float(start) == pytest.approx(w["start"], abs=1e-3)
        assert float(start) + float(duration) == pytest.approx(w["end"], abs=2e-3)
        assert float(duration) >= 0 and 0 < float(confidence) <= 1
        assert float(confidence) == pytest.approx(w["confidence"], abs=1e-4)
    for stem in {s for s, _ in expected}:
        starts = [float(r[2]) for r in rows if r[0] == stem]
        assert starts == sorted(starts)


# --- --output-dir -------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", list(EXTENSIONS))
def test_output_dir_writes_one_file_per_input_named_by_stem(setup, tmp_path, capsys, fmt):
    model, audio = setup
    out_dir = tmp_path / "out"
    missing = tmp_path / "missing.wav"
    rc, out, err = run(capsys, "transcribe", "--model", model, "--format", fmt, "--output-dir", out_dir,
                       audio[0], missing, *audio[1:])
    assert rc == 1 and out == ""  # nothing printed: it went to the files
    assert err.strip().splitlines() == [err.strip().splitlines()[0]] and str(missing) in err
    # --help: "write one file per input here (NAME.txt/.jsonl/.srt/.vtt/.ctm)"; the
    # failed input gets none.
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(p.stem + EXTENSIONS[fmt] for p in audio)
    # The files, read in input order, hold what the same command prints without
    # --output-dir (the same batches, so the same numbers to the last digit).
    rc, printed, _ = run(capsys, "transcribe", "--model", model, "--format", fmt, audio[0], missing, *audio[1:])
    assert rc == 1
    written = "".join((out_dir / (p.stem + EXTENSIONS[fmt])).read_text(encoding="utf-8") for p in audio)
    if fmt != "text":  # text: test_output_dir_text_file_holds_only_the_text
        assert written == printed


def test_output_dir_text_file_holds_only_the_text(setup, tmp_path, capsys):
    model, audio = setup
    rc, _, err = run(capsys, "transcribe", "--model", model, "--output-dir", tmp_path / "out", *audio)
    assert rc == 0, err
    for path, result in zip(audio, jsonl(capsys, model, *audio)):
        assert (tmp_path / "out" / (path.stem + ".txt")).read_text(encoding="utf-8") == result["text"] + "\n"


def test_output_dir_never_loses_a_transcript_when_two_inputs_share_a_stem(setup, tmp_path, capsys):
    # a/x.wav and b/x.wav both map to DIR/x.jsonl: either each gets its own file, or the
    # command refuses up front (exit 2, one line naming both) and writes nothing.
    model, audio = setup
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one, two = tmp_path / "a" / "x.wav", tmp_path / "b" / "x.wav"
    one.write_bytes(audio[0].read_bytes())
    two.write_bytes(audio[2].read_bytes())
    out_dir = tmp_path / "out"
    rc, out, err = run(capsys, "transcribe", "--model", model, "--format", "jsonl", "--output-dir", out_dir, one, two)
    written = sorted(out_dir.iterdir()) if out_dir.is_dir() else []
    if rc == 0:
        audios = [json.loads(line)["audio"] for f in written for line in f.read_text().splitlines()]
        assert sorted(audios) == sorted([str(one), str(two)])
    else:
        assert rc == 2 and out == "" and written == []
        lines = err.strip().splitlines()
        assert len(lines) == 1 and str(one) in lines[0] and str(two) in lines[0]


# --- "-": paths on standard input ---------------------------------------------------------


def test_dash_reads_paths_from_stdin_in_order(setup, tmp_path):
    model, audio = setup
    stdin = f"{audio[2]}\n\n  {audio[0]}  \n{tmp_path / 'missing.wav'}\n"
    proc = cli("transcribe", "--model", model, "--format", "jsonl", audio[1], "-", input=stdin)
    assert proc.returncode == 1, proc.stderr  # the missing one
    assert [json.loads(x)["audio"] for x in proc.stdout.splitlines()] == [str(audio[1]), str(audio[2]), str(audio[0])]
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip().splitlines()[0]]
    assert f"error: {tmp_path / 'missing.wav'}:" in proc.stderr


@pytest.mark.parametrize("options, message", [
    ({"runtime": "onnx", "decoder": {"name": "beam"}}, "--runtime onnx decodes greedily"),
    ({"runtime": "onnx", "decoder": {"name": "greedy", "lm": "x.arpa"}}, "--runtime onnx decodes greedily"),
    ({"runtime": "onnx", "stream": True}, "--stream needs the PyTorch runtime"),
    ({"runtime": "onnx", "device": "cuda"}, "runs on the CPU"),
    ({"runtime": "onnx"}, "absent.model: model file not found"),
    ({"stream": True, "decoder": {"name": "beam_lm"}}, "--stream decodes greedily"),
    ({"stream": True}, "absent.model"),
    ({}, "absent.model"),
])
def test_the_one_factory_refuses_what_a_runtime_cannot_do_before_reading_input(options, message):
    from gru_asr.cli.errors import UserError
    from gru_asr.inference.runtimes import open_transcriber

    with pytest.raises(UserError, match=re.escape(message)):
        open_transcriber("absent.model", **options)
