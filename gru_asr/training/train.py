"""Train a model from a resolved Hydra config, then package the best checkpoint."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import EarlyStopping, LearningRateMonitor, ModelCheckpoint
from lightning.pytorch.loggers import CSVLogger
from omegaconf import DictConfig, OmegaConf

from gru_asr.packaging import save_package
from gru_asr.training.checkpointing import (
    AtomicCheckpointIO,
    MidEpochCheckpoint,
    latest_complete_checkpoint,
    remove_unfinished_writes,
)
from gru_asr.training.data import build_dataset, build_dev_loaders, build_dev_sets, build_loader, compute_normalization_stats, read_manifests
from gru_asr.training.module import CTCTrainingModule
from gru_asr.training.preemption import PreemptionCheckpoint

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
        "tokenizer": validate("tokenizer", c["tokenizer"]),
        "frontend": validate("frontend", c["frontend"]),
        "augment": [validate("augmentation", a) for a in c.get("augment") or []],
        "encoder": validate("encoder", c["encoder"]),
        "head": validate("head", c.get("head", {"name": "ctc"})),
        "decoder": validate("decoder", c.get("decoder", {"name": "greedy"})),
    }


def train(cfg: DictConfig, extra_callbacks: list | None = None) -> dict[str, Any]:
    exp_dir = Path(cfg.exp_dir)
    exp_dir.mkdir(parents=True, exist_ok=True)
    (exp_dir / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True))
    L.seed_everything(int(cfg.seed), workers=True)
    torch.set_num_threads(int(cfg.get("num_threads") or torch.get_num_threads()))

    model_cfg = model_config_from(cfg)
    trainer_cfg = OmegaConf.to_container(cfg.trainer, resolve=True)
    ckpt_cfg = trainer_cfg.pop("checkpoint", {})
    early = trainer_cfg.pop("early_stopping", None)
    ema = trainer_cfg.pop("ema", None)  # {decay: 0.999}: validate, rank and package a weight average
    if ema and str(trainer_cfg.get("precision", "32-true")) in ("16-true", "bf16-true", "16", "bf16"):
        # Half-precision weights: an update of (1 - decay) = 0.002 is below their rounding step.
        raise ValueError(f"trainer.ema needs float32 weights; precision {trainer_cfg['precision']!r} keeps them in half "
                         "precision (use 16-mixed or bf16-mixed)")
    interctc = OmegaConf.to_container(cfg.interctc, resolve=True) if cfg.get("interctc") is not None else None
    module = CTCTrainingModule(model_cfg, OmegaConf.to_container(cfg.optim, resolve=True), ema_config=ema,
                               interctc_config=interctc)
    data_cfg = OmegaConf.to_container(cfg.data, resolve=True)
    train_set = build_dataset(module.model, read_manifests(data_cfg["train"]), data_cfg, train=True)
    dev_sets = build_dev_sets(module.model, data_cfg)  # one dataset per named dev set
    if len(train_set) == 0:
        raise SystemExit("no usable training utterances: check the manifest (gru-asr data check)")
    module.skipped.skipped.update(train_set.report.skipped)
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
    trainer = L.Trainer(
        default_root_dir=str(exp_dir),
        logger=[CSVLogger(str(exp_dir), name="logs")] + _tensorboard(exp_dir),
        callbacks=callbacks,
        plugins=[AtomicCheckpointIO()],  # a killed write never leaves a half-written last.ckpt
        use_distributed_sampler=False,  # our bucketing sampler is rank-aware itself
        **trainer_cfg,
    )
    world, rank = trainer.world_size, trainer.global_rank
    train_loader = build_loader(train_set, data_cfg, train=True, seed=int(cfg.seed), world_size=world, rank=rank)
    dev_loader = build_dev_loaders(dev_sets, data_cfg, seed=int(cfg.seed), world_size=world, rank=rank)
    module.set_dev_sets(dev_sets.log_names, monitor=dev_sets.monitor)  # per-set val/<name>/wer, val_wer from the monitored set
    # Saved in checkpoints for mid-epoch resume: the batch sampler for manifests,
    # the loader itself for shards (it plans its own batches and has no sampler).
    module.train_sampler = train_loader.batch_sampler if train_loader.batch_sampler is not None else train_loader

    resume = cfg.get("resume_from")
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

