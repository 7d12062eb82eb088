"""The ``data`` config, typed: the one place its defaults live.

``conf/data/*.yaml`` spells the same defaults out for ``gru-asr train --cfg job``;
``tests/unit/test_data_config.py`` checks the two agree. Code that builds data
from a plain dict (tests, benchmarks) gets these defaults for the keys it leaves
out. A bad field is one :class:`~gru_asr.schemas.ConfigError` naming ``data.<field>``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gru_asr.schemas import ConfigError

SOURCES = ("auto", "manifest", "shards")  # data.source; auto: shards when data.train names shard folders


@dataclass
class WaveformAugmentConfig:
    speeds: list[float] = field(default_factory=lambda: [1.0])  # e.g. [0.9, 1.0, 1.1]
    gain_db: tuple[float, float] | None = None  # uniform range, e.g. (-6, 6)
    noise_manifest: str | None = None  # JSONL of noise recordings
    noise_prob: float = 0.0
    snr_db: tuple[float, float] = (5.0, 30.0)

    @property
    def active(self) -> bool:
        return self.speeds != [1.0] or bool(self.gain_db) or self.noise_prob > 0


@dataclass(frozen=True)
class DataConfig:
    train: Any = None  # manifest path(s), weighted corpora [{manifest, weight, name}], or shard folder(s)
    dev: Any = None  # a manifest, a list, or named dev sets {name: PATH}
    source: str = "auto"  # manifest | shards | auto (shards when data.train names shard folders)
    monitor_dev: str | None = None
    mix_epoch_seconds: float | None = None
    batch_seconds: float = 120.0
    num_buckets: int = 10
    sortagrad: bool = True
    max_batch_size: int | None = None
    min_duration: float = 0.3
    max_duration: float = 20.0
    num_workers: int | str = "auto"  # checked by gru_asr.training.data.resolve_num_workers
    stats_utterances: int = 500
    shard_shuffle_buffer: int = 500
    shard_bucket_buffer: int = 500
    waveform_augment: WaveformAugmentConfig = field(default_factory=WaveformAugmentConfig)

    @classmethod
    def of(cls, value: DataConfig | Mapping | None) -> DataConfig:
        """A checked config from a ``data`` mapping (missing keys take the defaults)."""
        if isinstance(value, DataConfig):
            return value
        value = dict(value or {})
        _check_known(value, cls, "data")
        aug = value.get("waveform_augment") or {}
        if not isinstance(aug, Mapping):
            raise ConfigError(f"data.waveform_augment: expected a mapping of augmentation options, got {aug!r}")
        _check_known(aug, WaveformAugmentConfig, "data.waveform_augment")
        value["waveform_augment"] = WaveformAugmentConfig(**{k: _checked(f"data.waveform_augment.{k}", v, _AUGMENT_CHECKS[k]) for k, v in aug.items()})
        checked = {k: v if k in ("train", "dev", "waveform_augment") else _checked(f"data.{k}", v, _CHECKS[k]) for k, v in value.items()}
        cfg = cls(**checked)
        if cfg.max_duration < cfg.min_duration:
            raise ConfigError(f"data.max_duration: {cfg.max_duration} is below data.min_duration={cfg.min_duration}")
        return cfg


def _check_known(value: Mapping, cls: type, where: str) -> None:
    known = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(map(str, value)) - set(known))
    if unknown:
        raise ConfigError(f"{where}.{unknown[0]}: unknown field; {where} has {', '.join(known)}")


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _whole(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _pair(x: Any) -> bool:
    return isinstance(x, (list, tuple)) and len(x) == 2 and all(map(_number, x))


# field -> (what it must be, test, normalize); None passes where the default is None.
_CHECKS: dict[str, tuple[str, Any, Any]] = {
    "source": (f"one of {', '.join(SOURCES)}", lambda x: x in SOURCES, str),
    "monitor_dev": ("the name of a dev set or null", lambda x: x is None or isinstance(x, str), None),
    "mix_epoch_seconds": ("a number of seconds > 0 or null", lambda x: x is None or (_number(x) and x > 0), None),
    "batch_seconds": ("a number of seconds > 0", lambda x: _number(x) and x > 0, float),
    "num_buckets": ("a whole number >= 1", lambda x: _whole(x) and x >= 1, int),
    "sortagrad": ("true or false", lambda x: isinstance(x, bool), bool),
    "max_batch_size": ("a whole number >= 1 or null", lambda x: x is None or (_whole(x) and x >= 1), None),
    "min_duration": ("a number of seconds >= 0", lambda x: _number(x) and x >= 0, float),
    "max_duration": ("a number of seconds >= 0", lambda x: _number(x) and x >= 0, float),
    "num_workers": ("'auto' or a whole number >= 0", lambda x: isinstance(x, (int, str)), None),
    "stats_utterances": ("a whole number >= 0", lambda x: _whole(x) and x >= 0, int),
    "shard_shuffle_buffer": ("a whole number >= 0 (utterances)", lambda x: _whole(x) and x >= 0, int),
    "shard_bucket_buffer": ("a whole number >= 1 (utterances)", lambda x: _whole(x) and x >= 1, int),
}
_AUGMENT_CHECKS: dict[str, tuple[str, Any, Any]] = {
    "speeds": ("a list of speed factors > 0", lambda x: isinstance(x, (list, tuple)) and x and all(_number(s) and s > 0 for s in x), lambda x: [float(s) for s in x]),
    "gain_db": ("a range [low, high] in dB or null", lambda x: x is None or _pair(x), None),
    "noise_manifest": ("a manifest path or null", lambda x: x is None or isinstance(x, str), None),
    "noise_prob": ("a probability in [0, 1]", lambda x: _number(x) and 0 <= x <= 1, float),
    "snr_db": ("a range [low, high] in dB", _pair, None),
}


def _checked(where: str, value: Any, check: tuple[str, Any, Any]) -> Any:
    what, ok, normalize = check
    if not ok(value):
        raise ConfigError(f"{where}: expected {what}, got {value!r}")
    return value if normalize is None or value is None else normalize(value)
