"""What the bad-input matrix (tests/e2e/test_bad_input_matrix.py) does not show by itself:
the --overwrite paths do replace, outputs that collide are refused, --plugin is
documented, the package's errors are importable from the top level, and the recipes pass
--overwrite exactly where a stage is redone (issue #23)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.conftest import small_model_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    from gru_asr.models import CTCModel
    from gru_asr.packaging import save_package

    return save_package(CTCModel(small_model_config()).eval(), tmp_path_factory.mktemp("model") / "model.safetensors")


def wav(path: Path, seconds: float = 1.0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(16000 * seconds)) / 16000
    sf.write(path, (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), 16000)
    return path


def cli(argv, capsys):
    from gru_asr.cli.main import main

    capsys.readouterr()
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_package_error_is_importable_from_the_top_level_and_load_model_raises_it(tmp_path):
    import gru_asr
    from gru_asr import PackageError
    from gru_asr.packaging.package import PackageError as Original

    assert PackageError is Original and "PackageError" in gru_asr.__all__
    with pytest.raises(PackageError, match="not found"):
        gru_asr.load_model(tmp_path / "absent.safetensors")
    (tmp_path / "notes.safetensors").write_text("not a model\n")
    with pytest.raises(PackageError, match="notes.safetensors"):
        gru_asr.load_model(tmp_path / "notes.safetensors")


def test_plugin_is_in_the_top_level_help(capsys):
    from gru_asr.cli.main import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    assert "--plugin MODULE" in capsys.readouterr().out


def test_plugin_before_the_command_works(tmp_path, monkeypatch, capsys):
    (tmp_path / "my_matrix_plugin_mod.py").write_text("IMPORTED = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    code, out, _ = cli(["--plugin", "my_matrix_plugin_mod", "plugins", "list"], capsys)
    assert code == 0 and "encoder:" in out


def test_transcribe_output_dir_overwrite_replaces_and_collisions_are_refused(model_file, tmp_path, capsys):
    a, b = wav(tmp_path / "a" / "x.wav"), wav(tmp_path / "b" / "x.wav")
    out = tmp_path / "out"
    # Two inputs that would write out/x.txt: refused before anything is written.
    code, _, err = cli(["transcribe", "--model", model_file, a, b, "--output-dir", out], capsys)
    assert code == 2 and err.count("\n") == 1 and str(out / "x.txt") in err
    assert not (out / "x.txt").exists()
    code, _, _ = cli(["transcribe", "--model", model_file, a, "--output-dir", out], capsys)
    assert code == 0 and (out / "x.txt").is_file()
    (out / "x.txt").write_text("edited by hand\n")
    code, _, err = cli(["transcribe", "--model", model_file, a, "--output-dir", out], capsys)
    assert code == 2 and "--overwrite" in err and (out / "x.txt").read_text() == "edited by hand\n"
    code, _, _ = cli(["transcribe", "--model", model_file, a, "--output-dir", out, "--overwrite"], capsys)
    assert code == 0 and (out / "x.txt").read_text() != "edited by hand\n"


def test_transcribe_reports_an_empty_manifest_and_a_folder_without_audio(model_file, tmp_path, capsys):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    (tmp_path / "nothing").mkdir()
    good = wav(tmp_path / "good.wav")
    code, out, err = cli(["transcribe", "--model", model_file, "--format", "jsonl", empty, tmp_path / "nothing", good],
                         capsys)
    assert code == 1
    assert [line.split(":")[0] for line in err.splitlines()] == ["error", "error"]
    assert str(empty) in err and str(tmp_path / "nothing") in err
    assert [json.loads(line)["audio"] for line in out.splitlines()] == [str(good)]


def test_expand_inputs_still_raises_for_library_callers(tmp_path):
    from gru_asr.data.manifest import ManifestError
    from gru_asr.inference.inputs import expand_inputs

    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n")
    with pytest.raises(ManifestError, match="broken.jsonl"):
        expand_inputs([str(broken)])
    errors: list[str] = []
    assert expand_inputs([str(broken), "x.wav"], errors=errors) == ["x.wav"]
    assert len(errors) == 1 and errors[0].startswith(str(broken))


def _manifest(tmp_path: Path) -> Path:
    wav(tmp_path / "u1.wav")
    m = tmp_path / "test.jsonl"
    m.write_text(json.dumps({"id": "u1", "audio": "u1.wav", "duration": 1.0, "text": "hello world"}) + "\n")
    return m


def test_evaluate_out_dir_is_refused_then_replaced_with_overwrite(model_file, tmp_path, capsys):
    manifest, out = _manifest(tmp_path), tmp_path / "eval"
    assert cli(["evaluate", "--model", model_file, manifest, "--out-dir", out], capsys)[0] == 0
    (out / "results.json").write_text("{}")
    code, _, err = cli(["evaluate", "--model", model_file, manifest, "--out-dir", out], capsys)
    assert code == 2 and str(out) in err and (out / "results.json").read_text() == "{}"
    assert cli(["evaluate", "--model", model_file, manifest, "--out-dir", out, "--overwrite"], capsys)[0] == 0
    assert json.loads((out / "results.json").read_text())["utterances"] == 1


def test_evaluate_refuses_a_manifest_with_nothing_to_evaluate(model_file, tmp_path, capsys):
    m = tmp_path / "m.jsonl"
    m.write_text(json.dumps({"id": "u1", "audio": "absent.wav", "duration": 1.0, "text": "hello"}) + "\n")
    code, _, err = cli(["evaluate", "--model", model_file, m], capsys)
    assert code == 2 and err.startswith(f"error: {m}: none of its 1 utterances") and "u1" in err


def test_lm_build_overwrite_and_exclusion_of_every_sentence(model_file, tmp_path, capsys):
    text = tmp_path / "text.txt"
    text.write_text("hello world\nthe cat\n")
    arpa, lexicon = tmp_path / "lm.arpa", tmp_path / "lexicon.txt"
    argv = ["lm", "build", text, "-o", arpa, "--model", model_file, "--lexicon", lexicon, "--order", "2"]
    assert cli(argv, capsys)[0] == 0 and arpa.is_file() and lexicon.is_file()
    arpa.write_text("kept\n")
    code, _, err = cli(argv, capsys)
    assert code == 2 and str(arpa) in err and arpa.read_text() == "kept\n"
    assert cli([*argv, "--overwrite"], capsys)[0] == 0 and arpa.read_text().startswith("\\data\\")
    # Every sentence excluded: nothing to build from, said in one line, nothing written.
    other = tmp_path / "other.arpa"
    code, _, err = cli(["lm", "build", text, "-o", other, "--exclude", text], capsys)
    assert code == 2 and str(text) in err and "no sentence" in err and not other.exists()


def test_package_refuses_an_existing_output_before_reading_checkpoints(tmp_path, capsys):
    out = tmp_path / "m.safetensors"
    out.write_bytes(b"an earlier package")
    code, _, err = cli(["package", tmp_path / "absent.ckpt", "-o", out], capsys)
    assert code == 2 and str(out) in err and "--overwrite" in err
    folder = tmp_path / "checkpoints"
    folder.mkdir()
    (folder / "last.ckpt").write_bytes(b"x")
    code, _, err = cli(["package", folder, "--best", "1", "-o", tmp_path / "new.safetensors"], capsys)
    assert code == 2 and "named with their WER" in err


def test_tune_lm_checks_its_grid_before_loading_anything(tmp_path, capsys):
    code, _, err = cli(["tune-lm", "--model", tmp_path / "absent.safetensors", tmp_path / "dev.jsonl", "--lm", "x.arpa",
                        "--lm-weights", "0.5,heavy"], capsys)
    assert code == 2 and err.startswith("error: --lm-weights 0.5,heavy: expected comma-separated numbers")


def test_synth_refuses_an_existing_corpus_and_reads_text_strictly(tmp_path):
    from gru_asr.cli.errors import UserError, read_text_lines
    from gru_asr.synth.corpus import existing_corpus_file, sentences_from_lines

    assert existing_corpus_file(tmp_path / "new") is None
    (tmp_path / "dev.jsonl").write_text("")
    assert existing_corpus_file(tmp_path) == tmp_path / "dev.jsonl"
    assert sentences_from_lines(["Hello, World!", "  ", "123 ..."]) == ["hello world"]
    (tmp_path / "bin.txt").write_bytes(b"abc\x00def")
    with pytest.raises(UserError, match="NUL byte"):
        read_text_lines(tmp_path / "bin.txt")
    (tmp_path / "l1.txt").write_bytes("café".encode("latin-1"))
    with pytest.raises(UserError, match=r"l1.txt: the text file is not UTF-8 text \(byte 3\)"):
        read_text_lines(tmp_path / "l1.txt")


def test_recipes_pass_overwrite_where_a_stage_is_redone():
    """Stages redo unfinished work (recipes/common/stages.sh: a finished stage is skipped),
    so each command there that writes an output the command would refuse to replace
    passes --overwrite: evaluate --out-dir (always re-run), lm build (unfinished stage),
    synth (no corpus.json / a scratch folder)."""
    for script in sorted((ROOT / "recipes").rglob("*.sh")):
        text = re.sub(r"\\\n\s*", " ", script.read_text())  # join continued lines
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("#"):
                continue
            writes = (re.search(r"gru-asr evaluate .*--out-dir", line) or "gru-asr lm build" in line
                      or "gru-asr synth " in line)
            if writes:
                assert "--overwrite" in line, f"{script.relative_to(ROOT)}: {line}"


def test_output_into_a_closed_pipe_stops_quietly_without_a_traceback():
    """`gru-asr info | head -1`: the reader exits first; no BrokenPipeError traceback."""
    import subprocess
    import sys

    code = ("import sys; from gru_asr.cli.main import main; "
            "sys.argv = ['gru-asr', 'plugins', 'reference']; "
            "[main(['plugins', 'reference']) for _ in range(20)]")  # far more than a pipe buffer holds
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            cwd=Path(__file__).resolve().parents[2])
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) != 0 or err == ""
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
