"""tools/bench/pocketsphinx_vs_ours.py: its scoring, table and headline on made-up
hypotheses (no PocketSphinx, no model), and that it steps aside cleanly without
PocketSphinx, which is not a dependency."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from gru_asr.metrics import count_errors

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "bench" / "pocketsphinx_vs_ours.py"

REFS = ["the cat sat on the mat", "mister quilter is the apostle", "hello world"]
AUDIO = [2.0, 3.0, 1.0]


def _load():
    spec = importlib.util.spec_from_file_location("pocketsphinx_vs_ours", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _rows(bench):
    runs = [
        bench.Scored(bench.PS_NAME, ["the cat sat on a mat", "mr coulter is the apostles", "hello"], [1.0, 1.5, 0.5]),
        bench.Scored("ours greedy", ["the cat sat on the mat", "mister quilter is a apostle", "hello word"], [0.2, 0.3, 0.1]),
        bench.Scored("ours beam_lm", ["the cat sat on the mat", "mister quilter is the apostle", "hello world x"], [0.4, 0.6, 0.2]),
    ]
    return [bench.score(r, REFS, AUDIO) for r in runs]


def test_rows_use_the_projects_error_counts_and_rtf():
    bench = _load()
    rows = _rows(bench)
    ps = rows[0]
    expected = count_errors(REFS, ["the cat sat on a mat", "mr coulter is the apostles", "hello"])
    assert ps["wer"] == round(100 * expected.wer, 2) and ps["cer"] == round(100 * expected.cer, 2)
    assert (ps["substitutions"], ps["deletions"], ps["insertions"]) == (4, 1, 0)
    assert ps["utterances"] == 3 and ps["words"] == 13
    assert ps["rtf"] == pytest.approx(3.0 / 6.0)  # summed decode seconds / summed audio seconds
    assert ps["median_utt_rtf"] == pytest.approx(0.5)
    assert rows[2]["wer"] == round(100 * 1 / 13, 2)  # one insertion


def test_headline_is_pocketsphinx_wer_over_our_best_from_the_table(tmp_path, capsys):
    bench = _load()
    rows = _rows(bench)
    best_ours = min(rows[1]["wer"], rows[2]["wer"])
    assert bench.headline(rows) == pytest.approx(rows[0]["wer"] / best_ours)
    rows[2]["wer"] = rows[1]["wer"] * 2  # the greedy row becomes the best: the headline follows the table
    assert bench.headline(rows) == pytest.approx(rows[0]["wer"] / rows[1]["wer"])

    out_json = tmp_path / "table.json"
    value = bench.report(rows, out_json, {"model": "m.safetensors"})
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].split()[:3] == ["system", "WER", "%"]
    assert any(ln.startswith(bench.PS_NAME) and f"{rows[0]['wer']:.2f}" in ln for ln in lines)
    name, shown = lines[-1].split(": ")
    assert name == "pocketsphinx_wer_over_ours" and float(shown) == pytest.approx(value, abs=5e-4)
    written = json.loads(out_json.read_text())
    assert written["rows"] == rows and written["model"] == "m.safetensors"
    assert written["pocketsphinx_wer_over_ours"] == pytest.approx(value, abs=5e-4)


def test_systems_take_turns_and_hypotheses_stay_with_their_utterance():
    bench = _load()
    calls = []

    class Fake:
        def __init__(self, name):
            self.name = name

        def decode(self, utt):
            calls.append(self.name)
            return f"{self.name}:{utt.id}"

    utts = [bench.Utterance(str(i), "ref", None, b"", 1.0) for i in range(3)]
    runs = bench.run_side_by_side([Fake("a"), Fake("b")], utts, progress=False)
    assert calls == ["a", "b", "b", "a", "a", "b"]  # the first system rotates per utterance
    assert runs[1].hyps == ["b:0", "b:1", "b:2"] and len(runs[0].seconds) == 3


def test_without_pocketsphinx_it_says_how_to_install_and_exits_0(monkeypatch, capsys):
    bench = _load()
    monkeypatch.setitem(sys.modules, "pocketsphinx", None)  # makes `import pocketsphinx` raise ImportError
    assert bench.main([]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert ".venv/bin/pip install pocketsphinx" in out[0]
    assert out[-1] == "pocketsphinx_wer_over_ours: skipped"


def test_an_explicit_model_that_is_missing_is_one_error_line(tmp_path, monkeypatch, capsys):
    bench = _load()
    monkeypatch.setitem(sys.modules, "pocketsphinx", type(sys)("pocketsphinx"))  # present, never used
    assert bench.main(["--model", str(tmp_path / "nope.safetensors")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: {tmp_path / 'nope.safetensors'}: model not found"]


def test_by_default_it_measures_the_builtin_model_with_its_tuned_decoder(tmp_path, monkeypatch):
    import gru_asr.pretrained as pretrained

    bench = _load()
    assert bench.pick_model(None) == pretrained.builtin_model_path()
    tuned = bench.pick_decoder(None, None, no_lm=False)
    assert tuned["name"] == "beam_lm" and Path(tuned["lm"]).parent == pretrained.builtin_folder()
    assert bench.pick_decoder(None, None, no_lm=True) is None
    # A model of one's own never touches the built-in folder (here: an empty one).
    monkeypatch.setattr(pretrained, "FOLDER", tmp_path / "empty")
    own = tmp_path / "exp" / "final.safetensors"
    (own.parent / "lm").mkdir(parents=True)
    assert bench.pick_decoder(None, own, no_lm=False) is None
    (own.parent / "lm" / "decoder.yaml").write_text("name: greedy\n")
    assert bench.pick_decoder(None, own, no_lm=False) == own.parent / "lm" / "decoder.yaml"
