"""Train a model from a resolved Hydra config, then package the best checkpoint."""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from pathlib import Path
from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import EarlyStopping, LearningRateMonitor, ModelCheckpoint
from lightning.pytorch.loggers import CSVLogger
from lightning.pytorch.utilities.exceptions import MisconfigurationException
from omegaconf import DictConfig, OmegaConf

from gru_asr.packaging import save_package
from gru_asr.training.checkpointing import (
    AtomicCheckpointIO,
    MidEpochCheckpoint,
    latest_complete_checkpoint,
    remove_unfinished_writes,
)
from gru_asr.training.data import build_dataset, build_dev_loaders, build_dev_sets, build_loader, compute_normalization_stats, read_manifests
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
        "text": c.get("text", {}),
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
    from gru_asr.schemas import ConfigError
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
    from gru_asr.schemas import ConfigError

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
    from gru_asr.schemas import ConfigError

    exp_dir = Path(cfg.exp_dir)
    resume = cfg.get("resume_from")
    overwrite = bool(cfg.get("overwrite") or False)
    if resume is None and scheduler_restart():
        resume = "last"  # the cluster restarted this job: continue its run, never refuse or replace it
        overwrite = False
    check_exp_dir(exp_dir, resume, overwrite)
    L.seed_everything(int(cfg.seed), workers=True, verbose=False)  # logged once the config is valid
    torch.set_num_threads(int(cfg.get("num_threads") or torch.get_num_threads()))

    model_cfg = model_config_from(cfg)
    trainer_cfg = OmegaConf.to_container(cfg.trainer, resolve=True)
    ckpt_cfg = trainer_cfg.pop("checkpoint", {})
    early = trainer_cfg.pop("early_stopping", None)
    ema = trainer_cfg.pop("ema", None)  # {decay: 0.999}: validate, rank and package a weight average
    if ema and str(trainer_cfg.get("precision", "32-true")) in ("16-true", "bf16-true", "16", "bf16"):
        # Half-precision weights: an update of (1 - decay) = 0.002 is below their rounding step.
        raise ConfigError(f"trainer.ema needs float32 weights; precision {trainer_cfg['precision']!r} keeps them in half "
                          "precision (use 16-mixed or bf16-mixed)")
    interctc = OmegaConf.to_container(cfg.interctc, resolve=True) if cfg.get("interctc") is not None else None
    try:
        module = CTCTrainingModule(model_cfg, OmegaConf.to_container(cfg.optim, resolve=True), ema_config=ema,
                                   interctc_config=interctc)
    except (ValueError, TypeError) as err:  # a component or option refused its settings
        raise ConfigError(f"model config: {err}") from None
    data_cfg = OmegaConf.to_container(cfg.data, resolve=True)
    train_set = build_dataset(module.model, read_manifests(data_cfg["train"]), data_cfg, train=True)
    dev_sets = build_dev_sets(module.model, data_cfg)  # one dataset per named dev set
    if len(train_set) == 0:
        raise ConfigError(f"data.train: no usable training utterances ({len(train_set.report.skipped)} skipped); "
                          "check the manifest with gru-asr data check")
    module.skipped.skipped.update(train_set.report.skipped)
    init_from = cfg.get("init_from")
    if init_from and not resume:  # a resumed run's checkpoint holds its weights already
        log.info(load_initial_weights(module.model, init_from))  # with the statistics the encoder learned on
    else:
        compute_normalization_stats(module.model, train_set, int(data_cfg.get("stats_utterances", 500)), int(cfg.seed))
    module.restart_ema()  # the average starts with the statistics just computed

    every = ckpt_cfg.get("every_n_train_steps")
    callbacks = [
        ModelCheckpoint(
            dirpath=exp_dir / "checkpoints",
            filename="epoch{epoch:03d}-wer{val_wer:.4f}",
            auto_insert_metric_name=False,
            monitor="val_wer",
            mode="min",
            save_top_k=int(ckpt_cfg.get("save_top_k", 3)),
            save_last=True,
            enable_version_counter=False,  # one last.ckpt shared with the callback below, always the newest
        ),
        LearningRateMonitor(logging_interval="step"),
        TrainingClock(),  # train_seconds beside val_wer: time to accuracy (tools/bench/time_to_accuracy.py)
        *(extra_callbacks or []),
    ]
    if every:
        # Mid-epoch checkpoints (preemption safety): refreshes last.ckpt every N steps.
        callbacks.append(MidEpochCheckpoint(dirpath=exp_dir / "checkpoints", save_last=True, save_top_k=0, every_n_train_steps=int(every),
                                         enable_version_counter=False))
    if early:
        callbacks.append(EarlyStopping(monitor="val_wer", mode="min", patience=int(early.get("patience", 5))))
    # SIGTERM (preemption): finish the step, write last.ckpt, exit 143.
    callbacks.append(PreemptionCheckpoint(exp_dir / "checkpoints" / "last.ckpt"))
    try:
        trainer = L.Trainer(
            default_root_dir=str(exp_dir),
            logger=[CSVLogger(str(exp_dir), name="logs")] + _tensorboard(exp_dir),
            callbacks=callbacks,
            plugins=[AtomicCheckpointIO()],  # a killed write never leaves a half-written last.ckpt
            use_distributed_sampler=False,  # our bucketing sampler is rank-aware itself
            **trainer_cfg,
        )
    except (TypeError, ValueError, MisconfigurationException) as err:  # an unknown or refused trainer.* setting
        raise ConfigError(f"trainer: {err}") from None
    # The config is valid: from here on the run may change exp_dir.
    prepare_exp_dir(exp_dir, cfg, replace_previous=overwrite and not resume)
    log.info("seed %d, run folder %s", int(cfg.seed), exp_dir)
    world, rank = trainer.world_size, trainer.global_rank
    train_loader = build_loader(train_set, data_cfg, train=True, seed=int(cfg.seed), world_size=world, rank=rank)
    dev_loader = build_dev_loaders(dev_sets, data_cfg, seed=int(cfg.seed), world_size=world, rank=rank)
    module.set_dev_sets(dev_sets.log_names, monitor=dev_sets.monitor)  # per-set val/<name>/wer, val_wer from the monitored set
    # Saved in checkpoints for mid-epoch resume: the batch sampler for manifests,
    # the loader itself for shards (it plans its own batches and has no sampler).
    module.train_sampler = train_loader.batch_sampler if train_loader.batch_sampler is not None else train_loader

    if resume == "last":
        # The newest checkpoint that is complete: a damaged file is passed over.
        found = latest_complete_checkpoint(exp_dir / "checkpoints")
        resume = str(found) if found else None
        if trainer.is_global_zero:
            remove_unfinished_writes(exp_dir / "checkpoints")
            print(f"resuming from {found}" if found else "resume_from=last: no checkpoint yet, starting from scratch")
    t0 = time.time()
    trainer.fit(module, train_loader, dev_loader, ckpt_path=resume, weights_only=True)
    train_seconds = time.time() - t0

    result: dict[str, Any] = {"train_seconds": round(train_seconds, 1), "exp_dir": str(exp_dir)}
    # Each rank saw (and skipped) its own share of the data: the module pooled the
    # reports at the end of training, so train_result.json lists every skipped id.
    skipped = module.all_ranks_skipped if module.all_ranks_skipped is not None else dict(module.skipped.skipped)
    if trainer.global_rank == 0:
        ckpt = callbacks[0].best_model_path or callbacks[0].last_model_path
        best = CTCTrainingModule.load_from_checkpoint(ckpt, map_location="cpu", weights_only=True) if ckpt else module
        packaged = best.ema_model if best.ema_model is not None else best.model  # what validation ranked
        package = save_package(packaged, exp_dir / "model.safetensors", extra={"checkpoint": Path(ckpt).name if ckpt else None})
        result.update(
            package=str(package),
            best_val_wer=float(callbacks[0].best_model_score) if callbacks[0].best_model_score is not None else None,
            skipped_utterances=len(skipped),
            skipped=dict(sorted(skipped.items())),  # every id with its reason, from every rank
            nonfinite_loss_batches=module.nonfinite_loss_batches,
            nonfinite_grad_steps=module.nonfinite_grad_steps,
            epochs=trainer.current_epoch,
            steps=trainer.global_step,
        )
        (exp_dir / "train_result.json").write_text(json.dumps(result, indent=2))
        print(module.skipped.summary() + (f"\n(every skipped id: {exp_dir / 'train_result.json'})" if skipped else ""))
        print(f"packaged model: {package}")
    return result


def _tensorboard(exp_dir: Path) -> list:
    try:
        from lightning.pytorch.loggers import TensorBoardLogger

        return [TensorBoardLogger(str(exp_dir), name="tb")]
    except ModuleNotFoundError:  # tensorboard is optional at run time
        return []

