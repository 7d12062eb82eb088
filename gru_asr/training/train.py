"""Train a model from a resolved Hydra config, then package the best checkpoint."""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import EarlyStopping, LearningRateMonitor, ModelCheckpoint
from lightning.pytorch.loggers import CSVLogger
from lightning.pytorch.utilities.exceptions import MisconfigurationException
from omegaconf import DictConfig, OmegaConf

from gru_asr.packaging import save_package
from gru_asr.schemas import ConfigError
from gru_asr.training.callbacks import FollowEpochLength, SkippedUtterances, TrainingDataStream
from gru_asr.training.checkpointing import (
    AtomicCheckpointIO,
    MidEpochCheckpoint,
    latest_complete_checkpoint,
    remove_unfinished_writes,
)
from gru_asr.training.config import TrainingOptions, text_options, training_options
from gru_asr.training.data import SpeechDataModule, compute_normalization_stats
from gru_asr.training.init_from import load_initial_weights
from gru_asr.training.module import CTCTrainingModule
from gru_asr.training.preemption import PreemptionCheckpoint
from gru_asr.training.training_clock import TrainingClock

log = logging.getLogger(__name__)


def model_config_from(cfg: DictConfig) -> dict[str, Any]:
    """The part of the training config that defines the model (stored in packages)."""
    from gru_asr.schemas import validate

    c = OmegaConf.to_container(cfg, resolve=True)
    # Each component's fields are checked against its typed schema (unknown
    # fields and wrong types fail here, naming the field) and defaults filled in,
    # so the stored config is complete.
    return {
        "sample_rate": c["sample_rate"],
        "text": text_options(c.get("text")),
        "tokenizer": _self_contained_tokenizer(validate("tokenizer", c["tokenizer"])),
        "frontend": validate("frontend", c["frontend"]),
        "augment": [validate("augmentation", a) for a in c.get("augment") or []],
        "encoder": validate("encoder", c["encoder"]),
        "head": validate("head", c.get("head", {"name": "ctc"})),
        "decoder": validate("decoder", c.get("decoder", {"name": "greedy"})),
    }


def _self_contained_tokenizer(config: dict) -> dict:
    """A tokenizer config that names a model file (``sentencepiece`` with ``model_file``,
    as ``gru-asr tokenizer train`` writes it) becomes the tokenizer's own inline config,
    so checkpoints and the packaged model carry the tokenizer and need no other file."""
    if not config.get("model_file"):
        return {k: v for k, v in config.items() if not (k == "model_file" and v is None)}
    from gru_asr.tokenizers import build_tokenizer

    try:
        return build_tokenizer(config).to_config()
    except OSError as err:
        raise ConfigError(f"tokenizer.model_file: {err.filename or config['model_file']}: {err.strerror or err}") from None
    except ValueError as err:
        raise ConfigError(f"tokenizer.model_file: {err}") from None


# What a finished or interrupted run leaves in its exp_dir; a new run refuses to mix with it.
RUN_OUTPUTS = ("checkpoints", "model.safetensors", "train_result.json")


def previous_run_outputs(exp_dir: str | Path) -> list[Path]:
    """The checkpoints and packaged model of a run already in ``exp_dir`` (Lightning's
    SLURM requeue checkpoints ``hpc_ckpt_*.ckpt`` included: they live in the run folder)."""
    exp_dir = Path(exp_dir)
    found = sorted(p for p in (exp_dir / "checkpoints").glob("*.ckpt") if p.is_file()) if (exp_dir / "checkpoints").is_dir() else []
    found += sorted(p for p in exp_dir.glob("hpc_ckpt_*.ckpt") if p.is_file())
    return found + [p for p in (exp_dir / "model.safetensors",) if p.exists()]


def scheduler_restart() -> bool:
    """True when a cluster restarted this same job (SLURM requeue after preemption,
    torchrun --max-restarts): the command line is the first run's, without resume_from."""
    for key in ("SLURM_RESTART_COUNT", "TORCHELASTIC_RESTART_COUNT"):
        try:
            if int(os.environ.get(key, "0") or 0) > 0:
                return True
        except ValueError:
            continue
    return False


def check_exp_dir(exp_dir: str | Path, resume: str | None, overwrite: bool) -> None:
    """Refuse to start a new run in a folder that holds another run's checkpoints or
    model, unless the run resumes it (``resume_from``) or replaces it (``overwrite=true``)."""
    exp_dir = Path(exp_dir)
    if exp_dir.exists() and not exp_dir.is_dir():
        raise ConfigError(f"exp_dir={exp_dir}: not a folder")
    if resume not in (None, "last") and not Path(resume).is_file():
        raise ConfigError(f"resume_from={resume}: no such checkpoint file")
    if resume or overwrite:
        return
    found = previous_run_outputs(exp_dir)
    if found:
        ckpts = sum(p.suffix == ".ckpt" for p in found)
        what = ", ".join(x for x in (f"{ckpts} checkpoint(s)" if ckpts else "",
                                     "model.safetensors" if found[-1].name == "model.safetensors" else "") if x)
        raise ConfigError(f"exp_dir={exp_dir} holds another run ({what}); continue it with resume_from=last, "
                          "replace it with overwrite=true, or choose another exp_dir")


def _is_launching_process() -> bool:
    """False in the extra processes of a multi-process run (DDP ranks > 0, other nodes):
    only the process the user started prepares the exp_dir."""
    return all(os.environ.get(k, "0") == "0" for k in ("LOCAL_RANK", "NODE_RANK", "GROUP_RANK", "RANK", "SLURM_PROCID"))


def prepare_exp_dir(exp_dir: Path, cfg: DictConfig, replace_previous: bool) -> None:
    """Called once the new run's config is valid: the first change to ``exp_dir``."""
    exp_dir.mkdir(parents=True, exist_ok=True)
    if replace_previous and _is_launching_process():
        for name in (*RUN_OUTPUTS, *(p.name for p in exp_dir.glob("hpc_ckpt_*.ckpt"))):
            path = exp_dir / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            elif path.exists() or path.is_symlink():
                path.unlink()
    (exp_dir / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True))


def train(cfg: DictConfig, extra_callbacks: list | None = None) -> dict[str, Any]:
    """Train, then package the best checkpoint into ``<exp_dir>/model.safetensors``.

    Nothing in ``exp_dir`` changes until the whole config is known to be valid (the
    model, the data, the trainer settings); bad config raises ``ConfigError`` (or the
    manifest/registry error naming the file or field) with the folder untouched.
    """
    exp_dir, resume, overwrite = Path(cfg.exp_dir), *run_continuation(cfg)
    check_exp_dir(exp_dir, resume, overwrite)
    L.seed_everything(int(cfg.seed), workers=True, verbose=False)  # logged once the config is valid
    torch.set_num_threads(int(cfg.get("num_threads") or torch.get_num_threads()))
    options = training_options(cfg)
    trainer_cfg = OmegaConf.to_container(cfg.trainer, resolve=True)
    module = build_module(cfg, options, trainer_cfg)
    data_cfg = OmegaConf.to_container(cfg.data, resolve=True)
    data = SpeechDataModule(module.model, data_cfg, int(cfg.seed))  # training set from data.source, dev sets
    if len(data.train_set) == 0:
        raise ConfigError(f"data.train: no usable training utterances ({len(data.train_set.report.skipped)} skipped); "
                          "check the manifest with gru-asr data check")
    set_initial_weights(module, cfg, data.train_set, data_cfg, resume)
    run = RunCallbacks.build(exp_dir, options, data.train_set.report.skipped, extra_callbacks)
    trainer = build_trainer(exp_dir, trainer_cfg, run.all)
    # The config is valid: from here on the run may change exp_dir.
    prepare_exp_dir(exp_dir, cfg, replace_previous=overwrite and not resume)
    log.info("seed %d, run folder %s", int(cfg.seed), exp_dir)
    data.build_loaders(trainer.world_size, trainer.global_rank, follow=run.stream.follow)
    module.set_dev_sets(data.dev.log_names, monitor=data.dev.monitor)  # per-set val/<name>/wer, val_wer from the monitored set
    ckpt_path = checkpoint_to_resume(exp_dir, resume, trainer.is_global_zero)
    t0 = time.time()
    trainer.fit(module, datamodule=data, ckpt_path=ckpt_path, weights_only=True)
    result: dict[str, Any] = {"train_seconds": round(time.time() - t0, 1), "exp_dir": str(exp_dir)}
    if trainer.global_rank == 0:
        result.update(package_best(module, run.best, exp_dir))
        result.update(run_report(trainer, module, run.skipped))
        write_train_result(exp_dir, result, run.skipped)
    return result


def run_continuation(cfg: DictConfig) -> tuple[str | None, bool]:
    """(``resume_from``, ``overwrite``): a job that the cluster restarted continues its
    run, never refuses or replaces it (its command line is the first run's)."""
    resume = cfg.get("resume_from")
    overwrite = bool(cfg.get("overwrite") or False)
    if resume is None and scheduler_restart():
        return "last", False
    return resume, overwrite


def build_module(cfg: DictConfig, options: TrainingOptions, trainer_cfg: dict) -> CTCTrainingModule:
    if options.ema and str(trainer_cfg.get("precision", "32-true")) in ("16-true", "bf16-true", "16", "bf16"):
        # Half-precision weights: an update of (1 - decay) = 0.002 is below their rounding step.
        raise ConfigError(f"ema needs float32 weights; precision {trainer_cfg['precision']!r} keeps them in half "
                          "precision (use 16-mixed or bf16-mixed)")
    try:
        return CTCTrainingModule(model_config_from(cfg), options.optim, ema_config=options.ema,
                                 interctc_config=options.interctc)
    except (ValueError, TypeError) as err:  # a component or option refused its settings
        raise ConfigError(f"model config: {err}") from None


def set_initial_weights(module: CTCTrainingModule, cfg: DictConfig, train_set, data_cfg: dict, resume: str | None) -> None:
    """``init_from``'s weights (with the normalization statistics the encoder learned on),
    or fresh normalization statistics from the training data (which a resumed run's
    checkpoint then replaces). The weight average then starts from the model as it is."""
    init_from = cfg.get("init_from")
    # resume_from=last in a folder with no checkpoint yet (a recipe's first try of a stage
    # that starts from init_from) starts from init_from; a checkpoint's weights win over it.
    resumes = resume not in (None, "last") or (resume == "last" and latest_complete_checkpoint(Path(cfg.exp_dir) / "checkpoints") is not None)
    if init_from and not resumes:
        log.info(load_initial_weights(module.model, init_from))
    else:
        compute_normalization_stats(module.model, train_set, int(data_cfg.get("stats_utterances", 500)), int(cfg.seed))
    module.restart_ema()


@dataclass
class RunCallbacks:
    """The callbacks ``train()`` adds to those the module attaches itself."""

    best: ModelCheckpoint
    stream: TrainingDataStream
    skipped: SkippedUtterances
    all: list = field(default_factory=list)

    @classmethod
    def build(cls, exp_dir: Path, options: TrainingOptions, skipped_up_front: dict, extra: list | None) -> RunCallbacks:
        ckpt = options.checkpoint
        run = cls(
            best=ModelCheckpoint(
                dirpath=exp_dir / "checkpoints",
                filename="epoch{epoch:03d}-wer{val_wer:.4f}",
                auto_insert_metric_name=False,
                monitor="val_wer",
                mode="min",
                save_top_k=ckpt["save_top_k"],
                save_last=True,
                enable_version_counter=False,  # one last.ckpt shared with MidEpochCheckpoint, always the newest
            ),
            stream=TrainingDataStream(),
            skipped=SkippedUtterances(skipped_up_front),
        )
        run.all = [run.best, LearningRateMonitor(logging_interval="step"),
                   TrainingClock(),  # train_seconds beside val_wer: time to accuracy (tools/bench/time_to_accuracy.py)
                   run.stream, FollowEpochLength(run.stream),  # in this order: the sampler learns its epoch first
                   run.skipped, *(extra or [])]
        if ckpt["every_n_train_steps"]:
            # Mid-epoch checkpoints (preemption safety): refreshes last.ckpt every N steps.
            run.all.append(MidEpochCheckpoint(dirpath=exp_dir / "checkpoints", save_last=True, save_top_k=0,
                                              every_n_train_steps=ckpt["every_n_train_steps"], enable_version_counter=False))
        if options.early_stopping:
            run.all.append(EarlyStopping(monitor="val_wer", mode="min", patience=options.early_stopping["patience"]))
        # SIGTERM (preemption): finish the step, write last.ckpt, exit 143.
        run.all.append(PreemptionCheckpoint(exp_dir / "checkpoints" / "last.ckpt"))
        return run


def build_trainer(exp_dir: Path, trainer_cfg: dict, callbacks: list) -> L.Trainer:
    try:
        return L.Trainer(
            default_root_dir=str(exp_dir),
            logger=[CSVLogger(str(exp_dir), name="logs")] + _tensorboard(exp_dir),
            callbacks=callbacks,
            plugins=[AtomicCheckpointIO()],  # a killed write never leaves a half-written last.ckpt
            use_distributed_sampler=False,  # our bucketing sampler is rank-aware itself
            **trainer_cfg,
        )
    except (TypeError, ValueError, MisconfigurationException) as err:  # an unknown or refused trainer.* setting
        raise ConfigError(f"trainer: {err}") from None


def checkpoint_to_resume(exp_dir: Path, resume: str | None, is_global_zero: bool) -> str | None:
    """``resume_from=last``: the newest checkpoint that is complete (a damaged file is passed over)."""
    if resume != "last":
        return resume
    found = latest_complete_checkpoint(exp_dir / "checkpoints")
    if is_global_zero:
        remove_unfinished_writes(exp_dir / "checkpoints")
        print(f"resuming from {found}" if found else "resume_from=last: no checkpoint yet, starting from scratch")
    return str(found) if found else None


def package_best(module: CTCTrainingModule, best: ModelCheckpoint, exp_dir: Path) -> dict[str, Any]:
    """Package the best checkpoint's model (its weight average when the run kept one: what
    validation ranked) into ``exp_dir/model.safetensors``."""
    ckpt = best.best_model_path or best.last_model_path
    ranked = CTCTrainingModule.load_from_checkpoint(ckpt, map_location="cpu", weights_only=True) if ckpt else module
    packaged = ranked.ema_model if ranked.ema_model is not None else ranked.model
    package = save_package(packaged, exp_dir / "model.safetensors", extra={"checkpoint": Path(ckpt).name if ckpt else None})
    return {"package": str(package),
            "best_val_wer": float(best.best_model_score) if best.best_model_score is not None else None}


def run_report(trainer: L.Trainer, module: CTCTrainingModule, skipped: SkippedUtterances) -> dict[str, Any]:
    everyone = skipped.pooled()  # each rank saw (and skipped) its own share of the data
    return {"skipped_utterances": len(everyone),
            "skipped": dict(sorted(everyone.items())),  # every id with its reason, from every rank
            "nonfinite_loss_batches": module.nonfinite.loss_batches,
            "nonfinite_grad_steps": module.nonfinite.grad_steps,
            "epochs": trainer.current_epoch,
            "steps": trainer.global_step}


def write_train_result(exp_dir: Path, result: dict[str, Any], skipped: SkippedUtterances) -> None:
    path = exp_dir / "train_result.json"
    path.write_text(json.dumps(result, indent=2))
    print(skipped.report.summary() + (f"\n(every skipped id: {path})" if result["skipped"] else ""))
    print(f"packaged model: {result['package']}")


def _tensorboard(exp_dir: Path) -> list:
    try:
        from lightning.pytorch.loggers import TensorBoardLogger

        return [TensorBoardLogger(str(exp_dir), name="tb")]
    except ModuleNotFoundError:  # tensorboard is optional at run time
        return []

