"""Every shipped config composes and builds its model (a dry run, no training)."""

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from gru_asr.models import CTCModel
from gru_asr.training.train import model_config_from

ROOT = Path(__file__).resolve().parents[2]
GROUPS = {g: sorted(p.stem for p in (ROOT / "conf" / g).glob("*.yaml")) for g in ("frontend", "augment", "encoder", "tokenizer", "decoder", "optim", "trainer", "data")}
EXPERIMENTS = [(d, p.stem) for d in sorted((ROOT / "recipes").glob("*/conf")) for p in sorted((d / "experiment").glob("*.yaml"))]


def build(overrides, config_dir=ROOT / "conf"):
    with initialize_config_dir(config_dir=str(config_dir), version_base="1.3"):
        cfg = compose("train", overrides=overrides)
    return cfg, CTCModel(model_config_from(cfg))


@pytest.mark.parametrize("group,option", [(g, o) for g, opts in GROUPS.items() for o in opts])
def test_every_group_option_builds(group, option):
    cfg, model = build([f"{group}={option}"])
    assert model.tokenizer.vocab_size > 1 and cfg[group] is not None


@pytest.mark.parametrize("conf_dir,experiment", EXPERIMENTS, ids=[f"{d.parent.name}/{e}" for d, e in EXPERIMENTS])
def test_every_recipe_experiment_builds(conf_dir, experiment):
    import hydra.core.global_hydra

    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose("train", overrides=[f"hydra.searchpath=[file://{conf_dir}]", f"experiment={experiment}"])
    hydra.core.global_hydra.GlobalHydra.instance().clear()
    CTCModel(model_config_from(cfg))


def test_ds2_encoder_has_ds2_size():
    _, model = build(["encoder=bigru_ds2"])
    params = sum(p.numel() for p in model.parameters())
    assert 40e6 <= params <= 70e6
