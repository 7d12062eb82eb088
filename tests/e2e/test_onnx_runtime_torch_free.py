"""The ONNX runtime path needs no torch: ``gru_asr/export/onnx_runtime.py`` run as
a script in a fresh process transcribes an exported model, prints what the
PyTorch greedy path prints, and leaves torch, torchaudio and gru_asr unimported."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.test_export import make_model, write_inputs

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "gru_asr" / "export" / "onnx_runtime.py"
pytestmark = pytest.mark.slow

# Runs the script as `python onnx_runtime.py ...` would, then reports which
# top-level modules the process imported.
DRIVER = """
import json, runpy, sys
script, report, *args = sys.argv[1:]
sys.argv = [script, *args]
try:
    runpy.run_path(script, run_name="__main__")
    code = 0
except SystemExit as stop:
    code = stop.code
with open(report, "w") as f:
    json.dump({"code": code, "modules": sorted({m.split(".")[0] for m in sys.modules})}, f)
"""


def test_standalone_onnx_runtime_transcribes_without_importing_torch(tmp_path):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from gru_asr.export import export_onnx
    from gru_asr.inference import Model

    model = make_model(head_scale=40.0, space_bias=10.0)
    onnx_path = export_onnx(model, tmp_path / "model.onnx")
    paths = write_inputs(tmp_path)[:3]
    expected = [r.text for r in Model(model, decoder="greedy").transcribe(paths)]

    report = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER, str(SCRIPT), str(report), str(onnx_path), *paths, "--format", "jsonl"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(report.read_text())
    assert result["code"] == 0
    assert {"onnxruntime", "numpy", "soundfile"} <= set(result["modules"])
    assert not {"torch", "torchaudio", "gru_asr"} & set(result["modules"])
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["audio"] for r in rows] == paths
    assert [r["text"] for r in rows] == expected and any(expected)
