"""Optimizers and learning-rate schedules, chosen by name from the ``optim`` config."""

from __future__ import annotations

import math
from collections.abc import Callable

import torch


def build_optimizer(params, cfg: dict) -> torch.optim.Optimizer:
    name = cfg.get("name", "adamw")
    lr = float(cfg["lr"])
    wd = float(cfg.get("weight_decay", 0.0))
    if name == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=wd, betas=tuple(cfg.get("betas", (0.9, 0.98))), eps=float(cfg.get("eps", 1e-8)))
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, weight_decay=wd, momentum=float(cfg.get("momentum", 0.9)), nesterov=bool(cfg.get("nesterov", True)))
    raise ValueError(f"unknown optimizer {name!r}; choose adamw or sgd")


def build_scheduler(optimizer, cfg: dict, total_steps: int, time_fraction: Callable[[], float] | None = None):
    """A per-step ``LambdaLR`` (or OneCycle); ``None`` for a constant rate.

    ``time_fraction`` (elapsed training time over the time budget) lets
    ``warmup_cosine`` with ``time_aware: true`` anneal by whichever runs out
    first, steps or time: a run stopped by ``trainer.max_time`` on a slower or
    busier machine still ends at the bottom of its schedule instead of midway.
    """
    name = cfg.get("name", "warmup_cosine")
    warmup = int(cfg.get("warmup_steps", 0))
    if isinstance(cfg.get("warmup_ratio"), (int, float)) and cfg.get("warmup_ratio"):
        warmup = int(total_steps * float(cfg["warmup_ratio"]))
    total_steps = max(total_steps, warmup + 1)
    min_ratio = float(cfg.get("min_lr_ratio", 0.01))
    if name == "constant":
        return None
    if name == "warmup_cosine":
        time_aware = bool(cfg.get("time_aware", False))
        if time_aware and time_fraction is None:
            raise ValueError("scheduler.time_aware needs a time budget: set trainer.max_time")

        def fn(step: int) -> float:
            if step < warmup:
                return (step + 1) / max(warmup, 1)
            progress = (step - warmup) / max(total_steps - warmup, 1)
            if time_aware:
                progress = max(progress, time_fraction())
            progress = min(1.0, progress)
            return min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * progress))

        return torch.optim.lr_scheduler.LambdaLR(optimizer, fn)
    if name == "noam":
        w = max(warmup, 1)

        def fn(step: int) -> float:
            # Noam: min(step^-0.5, step * warmup^-1.5), scaled so the peak (at warmup) is lr.
            step = step + 1
            return min(step**-0.5, step * w**-1.5) * w**0.5

        return torch.optim.lr_scheduler.LambdaLR(optimizer, fn)
    if name == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(
            optimizer,
            max_lr=[g["lr"] for g in optimizer.param_groups],
            total_steps=total_steps,
            pct_start=float(cfg.get("pct_start", 0.3)),
        )
    raise ValueError(f"unknown scheduler {name!r}; choose warmup_cosine, onecycle, noam or constant")


def time_budget_fraction(trainer) -> Callable[[], float] | None:
    """Training time used so far over ``trainer.max_time`` (``None`` without a budget),
    for ``time_aware`` schedules.

    Read from Lightning's ``Timer`` through its public methods; its state is
    checkpointed, so a resumed run counts the time spent before the interruption. Under
    DDP rank 0's clock is broadcast so that every rank steps to the same learning rate.
    """
    from lightning.pytorch.callbacks import Timer

    timer = next((c for c in trainer.callbacks if isinstance(c, Timer) and c.time_remaining("train") is not None), None)
    if timer is None:
        return None
    elapsed = timer.time_elapsed("train")
    budget = elapsed + timer.time_remaining("train")

    def fraction() -> float:
        value = timer.time_elapsed("train") / budget
        if trainer.world_size > 1:
            value = trainer.strategy.broadcast(value, src=0)
        return value

    return fraction
