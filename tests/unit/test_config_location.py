"""Where the configs come from (checkout, wheel, $GRU_ASR_CONF) and how plugins' config
folders join Hydra's search path (the search-path plugin, not argv editing)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

from gru_asr import registry
from gru_asr.config_location import ConfigLocationError, config_dir, is_gru_asr_search_path

ROOT = Path(__file__).resolve().parents[2]


def test_an_editable_install_reads_the_checkouts_conf(monkeypatch):
    monkeypatch.delenv("GRU_ASR_CONF", raising=False)
    assert config_dir() == (ROOT / "conf").resolve()
    assert is_gru_asr_search_path(f"file://{ROOT / 'conf'}")
    assert not is_gru_asr_search_path("pkg://hydra.conf")


def test_gru_asr_conf_must_hold_train_yaml(monkeypatch, tmp_path):
    monkeypatch.setenv("GRU_ASR_CONF", str(tmp_path))
    with pytest.raises(ConfigLocationError, match="GRU_ASR_CONF=.*no train.yaml"):
        config_dir()
    (tmp_path / "train.yaml").write_text("a: 1\n")
    assert config_dir() == tmp_path.resolve()


def make_plugin(tmp_path: Path, name: str) -> Path:
    package = tmp_path / name
    (package / "conf" / "encoder").mkdir(parents=True)
    (package / "__init__.py").write_text("from pathlib import Path\nCONFIG_DIR = Path(__file__).parent / 'conf'\n")
    (package / "conf" / "encoder" / f"{name}_enc.yaml").write_text(
        textwrap.dedent("""\
            # @package encoder
            name: bigru
            hidden_size: 24
            num_layers: 1
            """))
    return package


def test_a_plugins_config_folder_is_on_the_search_path_of_gru_asr_configs(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    make_plugin(tmp_path, "cfgplug_a")
    monkeypatch.setattr(registry, "_plugin_modules", list(registry._plugin_modules))
    registry.import_local_plugin("cfgplug_a")
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose("train", overrides=["encoder=cfgplug_a_enc"])
    assert cfg.encoder.hidden_size == 24


def test_other_hydra_apps_are_left_alone(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    make_plugin(tmp_path, "cfgplug_b")
    monkeypatch.setattr(registry, "_plugin_modules", list(registry._plugin_modules))
    registry.import_local_plugin("cfgplug_b")
    other = tmp_path / "other_app"
    other.mkdir()
    (other / "config.yaml").write_text("defaults:\n  - _self_\nx: 1\n")
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(other), version_base="1.3"):
        from hydra.core.global_hydra import GlobalHydra as G

        paths = [e.path for e in G.instance().config_loader().get_search_path().get_path()]
    assert not any("cfgplug_b" in (p or "") for p in paths)


@pytest.mark.parametrize("order", ["plugin-first", "cfg-first"])
def test_train_plugin_and_cfg_job_work_in_either_order(tmp_path, order):
    make_plugin(tmp_path, "cfgplug_c")
    args = ["--plugin", "cfgplug_c", "encoder=cfgplug_c_enc", "--cfg", "job"]
    if order == "cfg-first":
        args = ["--cfg", "job", "--plugin", "cfgplug_c", "encoder=cfgplug_c_enc"]
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    proc = subprocess.run([sys.executable, "-m", "gru_asr", "train", *args], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "hidden_size: 24" in proc.stdout
