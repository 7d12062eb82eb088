"""The example plugin package (examples/custom_encoder) installed with pip:
discovered through its entry point, trained by config name only, packaged, and
loaded by a fresh process; without it, loading names the package to install."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gru_asr.synth.corpus import SynthConfig, build_corpus

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def run(args, env=None):
    return subprocess.run([sys.executable, "-m", "gru_asr", *map(str, args)], capture_output=True, text=True, cwd=ROOT, env=env, timeout=900)


@pytest.fixture(scope="module")
def plugin_env(tmp_path_factory):
    site = tmp_path_factory.mktemp("site")
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--target", str(site), str(ROOT / "examples/custom_encoder")],
        capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    env = dict(os.environ, PYTHONPATH=str(site))
    return env


def test_plugin_is_discovered_through_its_entry_point(plugin_env):
    out = run(["plugins", "list"], env=plugin_env).stdout
    line = next(x for x in out.splitlines() if x.strip().startswith("tdnn"))
    assert "gru-asr-tdnn 0.1.0" in line


def test_plugin_encoder_trains_packages_and_loads_in_a_fresh_process(plugin_env, tmp_path):
    data = tmp_path / "data"
    build_corpus(data, SynthConfig(hours=0.01, seed=5), workers=1)
    exp = tmp_path / "exp"
    proc = run([
        "train", "encoder=tdnn", "encoder.channels=32", "encoder.num_layers=3", "frontend.n_mels=40",
        f"exp_dir={exp}", f"data.train={data / 'train.jsonl'}", f"data.dev={data / 'dev.jsonl'}",
        "data.batch_seconds=30", "data.num_workers=0", "data.stats_utterances=10", "trainer.max_epochs=1",
        "trainer.enable_progress_bar=false", "trainer.log_every_n_steps=1",
    ], env=plugin_env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    model = exp / "model.safetensors"
    info = json.loads(run(["info", model], env=plugin_env).stdout)
    assert info["components"]["encoder"] == {"kind": "encoder", "name": "tdnn", "distribution": "gru-asr-tdnn", "version": "0.1.0"}
    wav = next((data / "wav/test").glob("*.wav"))
    ok = run(["transcribe", "--model", model, "--format", "jsonl", wav], env=plugin_env)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["audio"] == str(wav)

    # The same file in an environment without the plugin: a clear message, no crash.
    env = {k: v for k, v in plugin_env.items() if k != "PYTHONPATH"}
    missing = run(["transcribe", "--model", model, wav], env=env)
    assert missing.returncode == 2
    assert "gru-asr-tdnn" in missing.stderr and "0.1.0" in missing.stderr and "Traceback" not in missing.stderr
