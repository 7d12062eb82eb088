"""The wheel works outside the checkout: build it, install it (not editable) into a fresh
virtualenv, and from a folder that is not the repository run synth -> train a few steps
-> package -> transcribe. The configs must come from the wheel's own gru_asr/conf.

The fresh venv gets gru_asr from the wheel only; its third-party dependencies are borrowed
from the project's .venv through a .pth line (installing 5 GB of torch again would prove
nothing about gru_asr's packaging and would need the network on a fresh machine).
"""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # Built from a copy of what the sdist holds, so the checkout gets no build/ folder.
    source = out / "source"
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    for folder in ("gru_asr", "conf", "hydra_plugins"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(out), str(source)],
        capture_output=True, text=True, timeout=300, cwd=out,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (built,) = out.glob("gru_asr-*.whl")
    return built


def test_wheel_carries_the_configs_and_the_search_path_plugin(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "gru_asr/conf/train.yaml" in names
    assert "gru_asr/conf/encoder/bigru_small.yaml" in names
    assert "hydra_plugins/gru_asr_searchpath.py" in names
    # Every config group of the checkout is in the wheel, so the two cannot drift apart.
    for path in (ROOT / "conf").rglob("*.yaml"):
        assert f"gru_asr/conf/{path.relative_to(ROOT / 'conf').as_posix()}" in names
    assert not any(name.startswith(("tests/", "conf/", "recipes/")) for name in names)
    # The built-in model, every file of it (`gru-asr transcribe` with no --model).
    builtin = ROOT / "gru_asr" / "pretrained" / "english_small"
    assert builtin.is_dir() and any(builtin.iterdir()), f"{builtin}: the built-in model's folder is missing"
    for path in builtin.iterdir():
        assert f"gru_asr/pretrained/english_small/{path.name}" in names


@pytest.fixture(scope="module")
def fresh_env(wheel, tmp_path_factory):
    home = tmp_path_factory.mktemp("fresh")
    venv.EnvBuilder(with_pip=False).create(home / "venv")
    python = home / "venv" / "bin" / "python"
    target = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 capture_output=True, text=True, check=True, timeout=60).stdout.strip())
    # gru_asr itself: unpacked from the wheel, as an installer would (pip is not in this venv).
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                           "--target", str(target), str(wheel)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (target / "_project_deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    work = home / "work"  # not the checkout, and no conf/ beside it
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GRU_ASR_CONF")}
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
    return python, work, env


def run(fresh, *args, timeout=600):
    python, work, env = fresh
    return subprocess.run([str(python), "-m", "gru_asr", *map(str, args)], capture_output=True, text=True,
                          cwd=work, env=env, timeout=timeout)


def test_the_installed_package_is_the_wheel_not_the_checkout(fresh_env):
    python, work, env = fresh_env
    proc = subprocess.run([str(python), "-c", "import gru_asr, gru_asr.config_location as c; print(gru_asr.__file__); print(c.config_dir())"],
                          capture_output=True, text=True, cwd=work, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    module, conf = proc.stdout.split()
    assert not Path(module).is_relative_to(ROOT)
    assert Path(conf) == Path(module).parent / "conf"


def test_the_installed_package_has_the_builtin_model_and_its_card(fresh_env):
    info = run(fresh_env, "info")
    assert info.returncode == 0, info.stderr[-3000:]
    info = json.loads(info.stdout)
    assert info["model_card"]["name"] == "english_small" and info["model_card"]["training_data"]
    assert not Path(info["model"]).is_relative_to(ROOT) and Path(info["decoder"]["lm"]).parent == Path(info["model"]).parent


def test_synth_train_package_transcribe_from_the_wheel(fresh_env):
    python, work, env = fresh_env
    synth = run(fresh_env, "synth", "--out", work / "data", "--hours", "0.01", "--seed", "3", "--workers", "1")
    assert synth.returncode == 0, synth.stderr[-3000:]
    exp = work / "exp"
    train = run(fresh_env, "train", "encoder=bigru_small", "encoder.hidden_size=32", "encoder.num_layers=1",
                "frontend.n_mels=40", f"exp_dir={exp}", f"data.train={work / 'data/train.jsonl'}",
                f"data.dev={work / 'data/dev.jsonl'}", "data.batch_seconds=30", "data.num_workers=0",
                "data.stats_utterances=10", "trainer.max_epochs=1", "+trainer.max_steps=3",
                "trainer.enable_progress_bar=false", "trainer.log_every_n_steps=1")
    assert train.returncode == 0, train.stderr[-3000:]
    model = exp / "model.safetensors"
    assert model.is_file()
    info = json.loads(run(fresh_env, "info", model).stdout)
    assert info["components"]["encoder"]["name"] == "bigru"
    wav = next((work / "data/wav/test").glob("*.wav"))
    out = run(fresh_env, "transcribe", "--model", model, "--format", "jsonl", wav)
    assert out.returncode == 0, out.stderr[-3000:]
    assert json.loads(out.stdout)["audio"] == str(wav)
