"""Typed schemas of the training-side options: ``optim``, ``interctc``, ``ema``,
``checkpoint`` and ``early_stopping``.

The dataclass defaults are the defaults (``conf/train.yaml`` repeats them, and a test
checks that they agree). :func:`training_options` checks a composed config against
them before anything is written: an unknown field or a value of the wrong type is one
``ConfigError`` naming the field (``optim.lr: ...``). ``ema``, ``checkpoint`` and
``early_stopping`` used to ride inside ``trainer`` (Lightning's own keyword
arguments); an old ``trainer.ema`` is refused with its new place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from omegaconf import MISSING, DictConfig, OmegaConf

from gru_asr.schemas import ConfigError

# The project's own options, once inside ``trainer``, now top-level keys.
MOVED_OUT_OF_TRAINER = ("ema", "checkpoint", "early_stopping")


@dataclass
class SchedulerConfig:
    name: str = "warmup_cosine"         # warmup_cosine | onecycle | noam | constant
    warmup_steps: int = 0
    warmup_ratio: Optional[float] = None  # a fraction of all steps; overrides warmup_steps when set
    min_lr_ratio: float = 0.01          # warmup_cosine's floor, a fraction of lr
    time_aware: bool = False            # warmup_cosine: anneal by steps or trainer.max_time, whichever runs out first
    pct_start: float = 0.3              # onecycle: the share of steps spent warming up


@dataclass
class OptimConfig:
    name: str = "adamw"                 # adamw | sgd
    lr: float = MISSING
    weight_decay: float = 0.0
    betas: list[float] = field(default_factory=lambda: [0.9, 0.98])  # adamw
    eps: float = 1e-8                   # adamw
    momentum: float = 0.9               # sgd
    nesterov: bool = True               # sgd
    scheduler: SchedulerConfig = field(default_factory=SchedulerConfig)


@dataclass
class InterCTCConfig:
    layers: list[int] = MISSING         # 1-based encoder layers, the last one excluded
    weight: float = MISSING             # the intermediate losses' share of the objective


@dataclass
class EMAConfig:
    decay: float = MISSING              # e.g. 0.999


@dataclass
class CheckpointConfig:
    save_top_k: int = 3                 # the best checkpoints by dev WER kept (last.ckpt besides)
    every_n_train_steps: Optional[int] = None  # refresh last.ckpt every N steps too (long epochs)


@dataclass
class EarlyStoppingConfig:
    patience: int = 5                   # validations without a better dev WER before stopping


@dataclass
class TrainingOptions:
    """The training-side options of one run, checked, as plain dicts (``None``: off)."""

    optim: dict[str, Any]
    interctc: dict[str, Any] | None
    ema: dict[str, Any] | None
    checkpoint: dict[str, Any]
    early_stopping: dict[str, Any] | None


# key -> (schema, whether null switches it off)
SCHEMAS = {
    "optim": (OptimConfig, False),
    "interctc": (InterCTCConfig, True),
    "ema": (EMAConfig, True),
    "checkpoint": (CheckpointConfig, False),
    "early_stopping": (EarlyStoppingConfig, True),
}


def training_options(cfg: DictConfig) -> TrainingOptions:
    """Check the training-side options of a composed config; defaults filled in."""
    trainer = cfg.get("trainer") or {}
    for key in MOVED_OUT_OF_TRAINER:
        if key in trainer:
            raise ConfigError(f"trainer.{key} moved to {key} (a top-level key: {key}.FIELD=VALUE)")
    return TrainingOptions(**{key: _checked(key, cfg.get(key), schema, nullable)
                              for key, (schema, nullable) in SCHEMAS.items()})


def text_options(value: Any) -> dict[str, Any]:
    """``text`` (the transcript normalizer, part of the model config) checked against
    :class:`~gru_asr.text.normalize.TextNormalizer`'s fields; defaults filled in."""
    from gru_asr.text.normalize import TextNormalizer

    checked = _checked("text", value, TextNormalizer, nullable=False)
    try:
        TextNormalizer(**checked)  # its own value checks (digits: keep | drop | spell)
    except ValueError as err:
        raise ConfigError(f"text.digits: {err}") from None
    return checked


def _checked(key: str, value: Any, schema: type, nullable: bool) -> dict[str, Any] | None:
    if value is None and nullable:
        return None
    try:
        merged = OmegaConf.merge(OmegaConf.structured(schema), {} if value is None else value)
        return OmegaConf.to_container(merged, resolve=True, throw_on_missing=True)
    except Exception as err:  # noqa: BLE001 - OmegaConf raises several error types
        where = getattr(err, "full_key", None)
        message = str(err).splitlines()[0]
        raise ConfigError(f"{key}.{where}: {message}" if where else f"{key}: {message}") from None


def ema_decay(ema_config: dict | None) -> float | None:
    """``ema``'s decay, checked; ``None`` when the average is off."""
    if ema_config is None:
        return None
    # A misspelled field must not quietly train without the average.
    if not isinstance(ema_config, dict) or set(ema_config) != {"decay"}:
        raise ValueError(f"ema must be null or a mapping like {{decay: 0.999}}, got {ema_config!r}")
    decay = float(ema_config["decay"])
    if not 0.0 < decay < 1.0:
        raise ValueError(f"ema.decay must be between 0 and 1 (exclusive), got {decay}")
    return decay
