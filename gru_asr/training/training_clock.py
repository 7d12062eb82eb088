"""``train_seconds``: wall-clock seconds of training so far, logged with every validation.

Time to accuracy (how long until dev WER first reaches a target) is what users of a
small-data toolkit on small machines care about; the epoch and step counters do not say
it, because epochs take different times on different machines and days. This callback
logs the seconds since ``fit`` started beside ``val_wer`` in ``logs/.../metrics.csv`` and
keeps counting across a resume (its offset is saved in the checkpoint), so
``tools/bench/time_to_accuracy.py`` can read the figure from a finished run.
"""

from __future__ import annotations

import time

from lightning.pytorch.callbacks import Callback


class TrainingClock(Callback):
    def __init__(self) -> None:
        self.offset = 0.0  # seconds trained before this process resumed the run
        self._started: float | None = None

    def on_train_start(self, trainer, pl_module) -> None:
        self._started = time.monotonic()

    def elapsed(self) -> float:
        running = time.monotonic() - self._started if self._started is not None else 0.0
        return self.offset + running

    def on_validation_epoch_end(self, trainer, pl_module) -> None:
        if trainer.sanity_checking:
            return
        pl_module.log("train_seconds", self.elapsed(), sync_dist=False)

    def state_dict(self) -> dict:
        return {"offset": self.elapsed()}

    def load_state_dict(self, state_dict: dict) -> None:
        self.offset = float(state_dict.get("offset", 0.0))
