"""tools/bench/sampler_vs_lhotse.py: the manifest it builds, and that it runs
(or steps aside cleanly without lhotse, which is not a dependency)."""

import importlib.util
import statistics
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "bench" / "sampler_vs_lhotse.py"


def _load():
    spec = importlib.util.spec_from_file_location("sampler_vs_lhotse", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_librispeech_like_durations_are_seeded_and_shaped():
    bench = _load()
    d = bench.librispeech_like_durations(50_000, seed=1)
    assert d == bench.librispeech_like_durations(50_000, seed=1)
    assert d != bench.librispeech_like_durations(50_000, seed=2)
    assert 12.0 < statistics.fmean(d) < 13.5 and 13.5 < statistics.median(d) < 15.5
    assert 0.8 <= min(d) and max(d) <= 24.5


def test_without_lhotse_it_says_so_and_exits_cleanly(monkeypatch, capsys):
    bench = _load()
    monkeypatch.setitem(sys.modules, "lhotse", None)  # makes `import lhotse` raise ImportError
    monkeypatch.setattr(sys, "argv", [str(SCRIPT)])
    bench.main()
    out = capsys.readouterr().out.strip().splitlines()
    assert "pip install lhotse" in out[0] and out[-1] == "our_sampler_epoch_speedup_vs_lhotse: skipped"


def test_small_comparison_runs_and_reports_equal_rank_counts(monkeypatch, capsys):
    pytest.importorskip("lhotse")
    bench = _load()
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), "--utterances", "1500", "--max-duration", "200", "--world-size", "4", "--repeats", "1", "--lazy"])
    bench.main()
    lines = capsys.readouterr().out.strip().splitlines()
    rows = [ln for ln in lines if ln.startswith(("ours:", "lhotse:"))]
    assert len(rows) == 3 and all(" yes " in r for r in rows)
    assert "0 dropped, 0 repeated" in rows[0]
    name, value = lines[-1].split(": ")
    assert name == "our_sampler_epoch_speedup_vs_lhotse" and float(value) > 0
