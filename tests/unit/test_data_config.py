"""``data`` is typed: one source of defaults, and a bad field is one error naming it."""

import dataclasses
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from gru_asr.data.config import DataConfig, WaveformAugmentConfig
from gru_asr.schemas import ConfigError

ROOT = Path(__file__).resolve().parents[2]
PATHS = {"train", "dev"}  # a config group names its corpus; the dataclass has none


@pytest.mark.parametrize("yaml_file", sorted((ROOT / "conf" / "data").glob("*.yaml")), ids=lambda p: p.name)
def test_the_shipped_data_configs_hold_the_dataclass_defaults(yaml_file):
    shipped = OmegaConf.to_container(OmegaConf.load(yaml_file))
    defaults = dataclasses.asdict(DataConfig())
    assert set(shipped) == set(defaults)
    for key in set(defaults) - PATHS - {"waveform_augment"}:
        assert shipped[key] == defaults[key], key
    for key, value in defaults["waveform_augment"].items():
        assert shipped["waveform_augment"][key] == (list(value) if isinstance(value, tuple) else value), key
    assert DataConfig.of(shipped).waveform_augment == WaveformAugmentConfig(speeds=[1.0], snr_db=[5.0, 30.0])


def test_missing_keys_take_the_defaults_and_values_are_kept():
    cfg = DataConfig.of({"train": "t.jsonl", "batch_seconds": 30, "max_duration": 16})
    assert cfg.batch_seconds == 30.0 and isinstance(cfg.batch_seconds, float)
    assert (cfg.min_duration, cfg.max_duration, cfg.num_buckets, cfg.source) == (0.3, 16.0, 10, "auto")
    assert DataConfig.of(cfg) is cfg


@pytest.mark.parametrize("data,field", [
    ({"batch_secnds": 20}, "data.batch_secnds"),  # unknown
    ({"batch_seconds": "lots"}, "data.batch_seconds"),
    ({"batch_seconds": 0}, "data.batch_seconds"),
    ({"num_buckets": 2.5}, "data.num_buckets"),
    ({"sortagrad": "yes"}, "data.sortagrad"),
    ({"source": "tar"}, "data.source"),
    ({"min_duration": 5, "max_duration": 2}, "data.max_duration"),
    ({"waveform_augment": {"noise_prob": 2}}, "data.waveform_augment.noise_prob"),
    ({"waveform_augment": {"speed": [1.1]}}, "data.waveform_augment.speed"),
])
def test_a_bad_field_is_one_config_error_naming_it(data, field):
    with pytest.raises(ConfigError, match=rf"^{field.replace('.', '[.]')}: "):
        DataConfig.of(data)
