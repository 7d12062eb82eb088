"""The ONNX runtime needs no torch: ``python -m gru_asr.inference.onnx_runtime`` in a fresh
process where importing torch or torchaudio fails (as on a machine without them)
transcribes an exported model with the core it shares with the PyTorch runtime, and
prints what the PyTorch greedy path prints."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.test_export import make_model, write_inputs

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

# Runs the module as `python -m gru_asr.inference.onnx_runtime ...` would, with torch and
# torchaudio made unimportable, then reports which modules the process imported.
DRIVER = """
import importlib.abc, json, runpy, sys

class NoTorch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("torch", "torchaudio"):
            raise ModuleNotFoundError(f"No module named {name!r} (blocked by the test)")
        return None

sys.meta_path.insert(0, NoTorch())
report, *args = sys.argv[1:]
sys.argv = ["onnx_runtime", *args]
try:
    runpy.run_module("gru_asr.inference.onnx_runtime", run_name="__main__", alter_sys=True)
    code = 0
except SystemExit as stop:
    code = stop.code
with open(report, "w") as f:
    json.dump({"code": code, "modules": sorted(sys.modules)}, f)
"""


def test_onnx_runtime_transcribes_without_torch(tmp_path):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from gru_asr.export import export_onnx
    from gru_asr.inference import Model

    model = make_model(head_scale=40.0, space_bias=10.0)
    onnx_path = export_onnx(model, tmp_path / "model.onnx")
    paths = write_inputs(tmp_path)[:3]
    expected = [r.to_dict() for r in Model(model, decoder="greedy").transcribe(paths)]

    report = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER, str(report), str(onnx_path), *paths, "--format", "jsonl"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(report.read_text())
    assert result["code"] == 0
    top_level = {m.split(".")[0] for m in result["modules"]}
    assert {"onnxruntime", "numpy", "soundfile"} <= top_level
    assert not {"torch", "torchaudio"} & top_level
    assert "gru_asr.inference.core" in result["modules"]  # shared with the PyTorch runtime, not forked
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["audio"] for r in rows] == paths
    assert [r["text"] for r in rows] == [e["text"] for e in expected] and any(r["text"] for r in rows)
    for row, exp in zip(rows, expected):
        assert [(w["word"], w["start"], w["end"]) for w in row["words"]] == [(w["word"], w["start"], w["end"]) for w in exp["words"]]
