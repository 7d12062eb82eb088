"""An exponential moving average (EMA) of the model's weights, kept during training.

On small corpora the dev WER of consecutive checkpoints swings by a point or more
(AN4: 9.8-11.5 % over the last ten epochs of one run) because each one is a single
noisy point of the optimizer's path. The average of that path over the last few
hundred steps sits nearer the middle of the valley. ``ema`` keeps it
(NeMo's EMA callback, timm's ``ModelEmaV2``): after every optimizer step

    ema = d * ema + (1 - d) * weights,   d = min(decay, (1 + n) / (10 + n))

where ``n`` counts the updates, so early on, when the weights move fast, the
average follows them closely instead of dragging the random initialization along.

The average is a frozen copy of the model inside the training module
(``ema_model``): checkpoints carry it beside the trained weights, a resumed run
continues it exactly, validation measures it (it is what checkpoints are ranked
by), and packaging and checkpoint averaging take it
(:func:`gru_asr.packaging.checkpoint.model_from_checkpoints`). The callback
:class:`gru_asr.training.callbacks.ExponentialMovingAverage` keeps it up to date.
"""

from __future__ import annotations

import copy
import logging

import torch
from torch import nn

log = logging.getLogger(__name__)


def ema_decay_at(updates_done: int, decay: float) -> float:
    """The decay used for update number ``updates_done`` (0-based)."""
    return min(decay, (1.0 + updates_done) / (10.0 + updates_done))


def frozen_copy(model: nn.Module) -> nn.Module:
    """A copy of ``model`` to hold the average: no gradients, never trained. (Its
    train/eval mode follows the training module's, like every submodule: it is only
    run in validation, where Lightning puts the whole module in eval mode.)"""
    shadow = copy.deepcopy(model)
    shadow.requires_grad_(False)
    return shadow


@torch.no_grad()
def update_ema(shadow: nn.Module, model: nn.Module, decay: float) -> None:
    """Move ``shadow``'s floating-point parameters and buffers towards ``model``'s by
    ``1 - decay``; integer buffers (batch norm's step counter) are copied."""
    pairs = list(zip(shadow.parameters(), model.parameters(), strict=True))
    pairs += [(s, m) for s, m in zip(shadow.buffers(), model.buffers(), strict=True) if s.is_floating_point()]
    if pairs:
        targets, sources = zip(*pairs)
        torch._foreach_lerp_(list(targets), [s.detach() for s in sources], 1.0 - decay)
    for s, m in zip(shadow.buffers(), model.buffers(), strict=True):
        if not s.is_floating_point():
            s.copy_(m)


def match_average_to(checkpoint: dict, keeps_average: bool) -> None:
    """Resuming with ``ema`` switched on or off since ``checkpoint`` was written (call it
    before Lightning loads the state dict, strictly): a new average starts from the
    checkpoint's weights; one no longer wanted is dropped."""
    weights = checkpoint.get("state_dict")
    if weights is None:
        return
    has_average = any(k.startswith("ema_model.") for k in weights)
    if keeps_average and not has_average:
        log.warning("the checkpoint has no weight average (ema was off): it starts from the checkpoint's weights")
        for key in [k for k in weights if k.startswith("model.")]:
            weights["ema_" + key] = weights[key].clone()
        checkpoint.setdefault("gru_asr", {})["ema_updates"] = 0
    elif not keeps_average and has_average:
        log.warning("ema is off: the checkpoint's weight average is dropped, training goes on from its weights")
        for key in [k for k in weights if k.startswith("ema_model.")]:
            del weights[key]
