"""Where the training data stream stands: kept in checkpoints so that a resumed run
continues it exactly, and told to Lightning at the start of every epoch.

:class:`TrainingDataStream` gives the batch sampler its epoch and saves its position,
the batches consumed in the epoch and the RNG states (dropout, SpecAugment and dither
draw from them) in every checkpoint; a resumed run restores them at the right moment.
:class:`FollowEpochLength` tells Lightning each epoch's batch count.
"""

from __future__ import annotations

import random

import numpy as np
import torch
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.utilities import CombinedLoader


class TrainingDataStream(Callback):
    def __init__(self) -> None:
        self.sampler = None
        self.loader: CombinedLoader | None = None  # what fit iterates
        self._batches_in_epoch = 0
        self._rng_to_restore: dict | None = None

    def follow(self, loader) -> CombinedLoader:
        """Bind the training loader (built once the trainer knows the ranks); returns what
        to hand to ``fit``. The sampler whose position is saved is the batch sampler for
        manifests, the loader itself for shards (it plans its own batches)."""
        self.sampler = loader.batch_sampler if loader.batch_sampler is not None else loader
        # Lightning would wrap the loader in a CombinedLoader of its own; handing it ours
        # lets FollowEpochLength set the per-epoch batch limit through its public API.
        self.loader = CombinedLoader(loader, "max_size_cycle")
        return self.loader

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        self._batches_in_epoch = 0
        if self.sampler is not None and hasattr(self.sampler, "set_epoch"):
            # Without this a batch sampler would repeat epoch 0's order every epoch.
            # (Not called for an epoch resumed mid-way: the sampler state is restored.)
            self.sampler.set_epoch(trainer.current_epoch)
        if self._rng_to_restore is not None:
            # Resumed from a checkpoint written between two epochs. The uninterrupted
            # run created this epoch's loader iterator after that checkpoint, and
            # creating one draws a seed from the torch RNG (unless the loader keeps
            # persistent workers): replay that draw so that dropout, SpecAugment and
            # dither continue exactly.
            _set_rng_state(self._rng_to_restore)
            self._rng_to_restore = None
            loader = trainer.train_dataloader
            if not (getattr(loader, "persistent_workers", False) and getattr(loader, "num_workers", 0) > 0):
                torch.empty((), dtype=torch.int64).random_()

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        if self._rng_to_restore is not None:
            # Restored here, after the resumed epoch's loader iterator was created
            # (creating it draws from the RNG), so the random draws continue exactly
            # where the interrupted run stopped.
            _set_rng_state(self._rng_to_restore)
            self._rng_to_restore = None
        self._batches_in_epoch += 1

    def on_save_checkpoint(self, trainer, pl_module, checkpoint: dict) -> None:
        state = checkpoint.setdefault("gru_asr", {})
        state.update(batches_in_epoch=self._batches_in_epoch, rng=_get_rng_state())
        if self.sampler is not None:
            state["sampler"] = self.sampler.state_dict(batches_consumed=self._batches_in_epoch)

    def on_load_checkpoint(self, trainer, pl_module, checkpoint: dict) -> None:
        state = checkpoint.get("gru_asr")
        if not state:
            return
        self._batches_in_epoch = int(state.get("batches_in_epoch", 0))
        if self.sampler is not None and "sampler" in state:
            self.sampler.load_state_dict(state["sampler"])
        self._rng_to_restore = state.get("rng")


class FollowEpochLength(Callback):
    """Tell Lightning this epoch's batch count (after :class:`TrainingDataStream` has
    given the sampler its epoch: place it later in the callback list).

    Lightning counts the training batches once, at setup, and validates when the batch
    index reaches that count. A mixture epoch (a fresh draw of each corpus's seconds) or
    a re-bucketed epoch can have a few batches fewer: such an epoch ended without
    validation, so checkpoints were ranked by the last dev WER measured (on AN4 +
    synthetic speech, 31 of 50 epochs went unvalidated). One with more batches would
    have been cut short. Only the default full epoch (no ``limit_train_batches``,
    validation once per epoch) is adjusted.
    """

    def __init__(self, stream: TrainingDataStream) -> None:
        self.stream = stream

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        if trainer.limit_train_batches != 1.0 or trainer.val_check_interval != 1.0 or trainer.check_val_every_n_epoch is None:
            return
        try:
            batches = len(self.stream.sampler)
        except TypeError:  # a streaming sampler without a length: Lightning does not count either
            return
        loader = self.stream.loader
        if batches > 0 and loader is not None and len(loader.flattened) == 1:
            loader.limits = [batches]
            trainer.fit_loop.max_batches = batches  # what trainer.num_training_batches reads
            trainer.val_check_batch = batches


def _get_rng_state() -> dict:
    """Plain tensors and numbers only, so checkpoints load with weights_only=True."""
    version, internal, gauss = random.getstate()
    _, keys, pos, has_gauss, cached = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "python": {"version": version, "internal": list(internal), "gauss": gauss},
        "numpy": {"keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos), "has_gauss": int(has_gauss), "cached": float(cached)},
    }


def _set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    py = state["python"]
    random.setstate((py["version"], tuple(py["internal"]), py["gauss"]))
    n = state["numpy"]
    np.random.set_state(("MT19937", n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["cached"]))
