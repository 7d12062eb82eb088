"""Typed training options (gru_asr/training/config.py): one source of defaults, one error
line naming the field, and the options that left ``trainer`` say where they went."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from gru_asr.cli.train import moved_trainer_option
from gru_asr.schemas import ConfigError
from gru_asr.training.config import MOVED_OUT_OF_TRAINER, SCHEMAS, training_options

ROOT = Path(__file__).resolve().parents[2]


def composed(*overrides: str, recipe: str | None = None):
    extra = [f"hydra.searchpath=[file://{ROOT}/recipes/{recipe}/conf]"] if recipe else []
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        return compose("train", overrides=[*overrides, *extra])


def test_conf_train_yaml_repeats_the_schema_defaults():
    cfg = composed()
    for key, (schema, nullable) in SCHEMAS.items():
        if key == "optim":  # a config group: its file chooses values, the schema holds the fallbacks
            continue
        value = OmegaConf.to_container(cfg[key]) if cfg[key] is not None else None
        assert value == (None if nullable else OmegaConf.to_container(OmegaConf.structured(schema))), key
    assert not set(MOVED_OUT_OF_TRAINER) & set(cfg.trainer)  # trainer: Lightning's arguments only
    assert composed("trainer=gpu").checkpoint.save_top_k == 5


@pytest.mark.parametrize("overrides, recipe", [
    *[((f"optim={p.stem}",), None) for p in sorted((ROOT / "conf" / "optim").glob("*.yaml"))],
    *[((f"experiment={p.stem}",), p.parents[2].name) for p in sorted(ROOT.glob("recipes/*/conf/experiment/*.yaml"))],
])
def test_every_shipped_config_passes_the_schemas(overrides, recipe):
    options = training_options(composed(*overrides, recipe=recipe))
    assert options.optim["lr"] > 0 and options.checkpoint["save_top_k"] >= 1


@pytest.mark.parametrize("override, message", [
    ("optim.lr=fast", "optim.lr: Value 'fast'"),
    ("+optim.weight_decy=0.1", "optim.weight_decy: Key 'weight_decy' not in"),
    ("optim.scheduler.warmup_steps=0.5", "optim.scheduler.warmup_steps: Value '0.5'"),
    ("checkpoint.save_top_k=many", "checkpoint.save_top_k: Value 'many'"),
    ("interctc={layers: [2]}", "interctc.weight: Missing mandatory value"),
    ("ema={decay: slow}", "ema.decay: Value 'slow'"),
    ("+early_stopping.patiense=3", "early_stopping.patiense: Key 'patiense' not in"),
])
def test_a_wrong_type_or_unknown_field_is_one_error_naming_it(override, message):
    with pytest.raises(ConfigError) as err:
        training_options(composed(override))
    assert str(err.value).startswith(message) and "\n" not in str(err.value)


@pytest.mark.parametrize("key", MOVED_OUT_OF_TRAINER)
def test_an_option_that_left_trainer_names_its_new_key(key):
    with pytest.raises(ConfigError, match=f"^trainer.{key} moved to {key} "):
        training_options(composed(f"+trainer.{key}=null"))
    assert moved_trainer_option([f"trainer.{key}.x=1"]).startswith(f"trainer.{key} moved to {key} ")
    assert moved_trainer_option([f"{key}.x=1", "trainer.max_epochs=2"]) is None


def test_text_options_repeat_the_yaml_and_name_a_bad_field():
    from gru_asr.text.normalize import TextNormalizer
    from gru_asr.training.config import text_options

    yaml_text = OmegaConf.to_container(composed().text)
    assert text_options(yaml_text) == yaml_text == OmegaConf.to_container(OmegaConf.structured(TextNormalizer))
    assert text_options(None) == yaml_text and text_options({"digits": "keep"})["digits"] == "keep"
    for bad, needle in (({"lowercase": "loud"}, "text.lowercase: "), ({"spell": True}, "text.spell: "),
                        ({"digits": "roman"}, "text.digits: ")):
        with pytest.raises(ConfigError, match=needle) as err:
            text_options(bad)
        assert "\n" not in str(err.value)
