"""The upkeep of the weight average (``ema``): one update after every optimizer step.

The average itself is the training module's ``ema_model`` (a submodule: checkpoints
carry it beside the trained weights, validation measures it, packaging takes it); the
math is in :mod:`gru_asr.training.ema`. This callback moves it and counts the updates,
which set the decay's warm-up and are kept in checkpoints, so a resumed run continues
the average exactly.

*Why not Lightning's ``WeightAveraging``*: it swaps the average into the module for
validation, so the trained weights cannot be measured beside it in the same pass
(``val_raw_wer``); it writes the average as the checkpoint's ``state_dict`` and the
trained weights under ``current_model_state``, a layout that the checkpoints of earlier
runs, ``gru-asr average`` (``model_from_checkpoints``), ``init_from`` and packaging do not
share; it copies the average over the trained weights when training ends; and a run
resumed with the average switched on or off since its checkpoint needs the migration of
:func:`gru_asr.training.ema.match_average_to`, which must run before Lightning loads the
state dict (a callback's ``on_load_checkpoint`` runs after).
"""

from __future__ import annotations

from lightning.pytorch.callbacks import Callback

from gru_asr.training.ema import ema_decay_at, update_ema


class ExponentialMovingAverage(Callback):
    def __init__(self, decay: float) -> None:
        self.decay = decay
        self.updates = 0
        self._stepped = False

    def on_before_optimizer_step(self, trainer, pl_module, optimizer) -> None:
        self._stepped = True  # the optimizer steps once this batch's callbacks are done

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        # After the optimizer step and before the checkpoint callbacks (Lightning runs
        # those last): a checkpoint written at this step (mid-epoch, SIGTERM) holds the
        # average that belongs to the weights it holds, or resuming would drift.
        if self._stepped:
            update_ema(pl_module.ema_model, pl_module.model, ema_decay_at(self.updates, self.decay))
            self.updates += 1
            self._stepped = False

    def on_save_checkpoint(self, trainer, pl_module, checkpoint: dict) -> None:
        checkpoint.setdefault("gru_asr", {})["ema_updates"] = self.updates

    def on_load_checkpoint(self, trainer, pl_module, checkpoint: dict) -> None:
        self.updates = int((checkpoint.get("gru_asr") or {}).get("ema_updates", 0))
