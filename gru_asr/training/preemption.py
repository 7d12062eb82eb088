"""SIGTERM (SLURM/Kubernetes preemption, ``kill``): finish the current step,
write ``last.ckpt``, exit with status 143.

Lightning's own SIGTERM handling only stops the run: it writes no checkpoint
(except through SLURM auto-requeue, which uses SIGUSR1 and only under SLURM),
and a SIGTERM during validation aborts it mid-way. This callback takes SIGTERM
over for the duration of ``fit``: the handler only records the request, and
the run stops at the next safe point, where a checkpoint resumes exactly:

* after the training step in progress (``on_train_batch_end``), or
* at the end of the epoch, after its validation pass and its checkpoints
  (``on_train_epoch_end``) when the request came during the last batch or
  during validation.

Under DDP the ranks agree on the request (one all-reduce of a flag per step)
so that all of them save and stop at the same step.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path

import lightning as L
from lightning.pytorch.callbacks import Checkpoint

log = logging.getLogger(__name__)

PREEMPTED_EXIT_STATUS = 128 + signal.SIGTERM  # what a shell reports for a process ended by SIGTERM


class TrainingPreempted(SystemExit):
    """Training stopped on SIGTERM after writing a checkpoint to resume from.

    A ``SystemExit`` with status 143, so that ``gru-asr train`` (and scripts
    that run it under ``set -e``) do not mistake a preempted run for a finished
    one; ``checkpoint`` and ``step`` say where to resume.
    """

    def __init__(self, checkpoint: Path, step: int):
        super().__init__(PREEMPTED_EXIT_STATUS)
        self.checkpoint = Path(checkpoint)
        self.step = step

    def __str__(self) -> str:
        return (f"preempted (SIGTERM): saved {self.checkpoint} at step {self.step}; "
                f"run again with resume_from=last to continue")


class PreemptionCheckpoint(Checkpoint):
    """Save ``checkpoint_path`` and stop when the process receives one of ``signals``.

    It is a :class:`~lightning.pytorch.callbacks.Checkpoint` so that Lightning
    runs it after the ``ModelCheckpoint`` callbacks: at the end of an epoch the
    best-k and last checkpoints of the epoch are written first.
    """

    def __init__(self, checkpoint_path: str | Path, signals: tuple[int, ...] = (signal.SIGTERM,)):
        self.checkpoint_path = Path(checkpoint_path)
        self.signals = tuple(signals)
        self.requested = threading.Event()
        self._previous: dict[int, object] = {}

    # -- the signal handler: records, nothing else (it runs between bytecodes) --
    def _on_signal(self, signum, frame) -> None:
        self.requested.set()

    def on_train_start(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        # Installed here, after Lightning registered its own handlers at the start
        # of fit, so ours replaces them; Lightning restores the originals at teardown.
        if threading.current_thread() is not threading.main_thread():
            log.warning("not on the main thread: SIGTERM will not trigger a checkpoint")
            return
        for sig in self.signals:
            self._previous[sig] = signal.getsignal(sig)
            signal.signal(sig, self._on_signal)

    def teardown(self, trainer: L.Trainer, module: L.LightningModule, stage: str) -> None:
        for sig, handler in self._previous.items():
            # Only if ours is still installed: when Lightning has already restored the
            # process's original handler, putting its fit-time handler back would leave
            # SIGTERM ignored after training (forked workers would then never exit).
            if (threading.current_thread() is threading.main_thread() and handler is not None
                    and signal.getsignal(sig) == self._on_signal):
                signal.signal(sig, handler)
        self._previous = {}

    def on_train_batch_end(self, trainer: L.Trainer, module, outputs, batch, batch_idx) -> None:
        # Not after an epoch's last batch: Lightning resumes such a checkpoint by
        # skipping the epoch's validation and losing the next epoch (see
        # MidEpochCheckpoint); the request is served at the end of the epoch.
        if not _at_epoch_end(trainer):
            self._stop_if_requested(trainer)

    def on_train_epoch_end(self, trainer: L.Trainer, module: L.LightningModule) -> None:
        # After the epoch's validation and its best-k/last checkpoints: the point
        # where Lightning writes its own epoch-end checkpoint.
        self._stop_if_requested(trainer)

    def _stop_if_requested(self, trainer: L.Trainer) -> None:
        if not trainer.strategy.reduce_boolean_decision(self.requested.is_set(), all=False):
            return
        if _training_complete(trainer):
            # Nothing left to resume: let the run package its model and end.
            log.warning("SIGTERM received as training ends: finishing instead of checkpointing")
            return
        # weights_only=False: a full checkpoint (optimizer, loops, callbacks) to resume from. Given
        # explicitly: left unset, Lightning logs "`weights_only` was not set, defaulting to `False`",
        # which is about what gets *saved*; every load of a checkpoint uses torch.load(weights_only=True).
        trainer.save_checkpoint(self.checkpoint_path, weights_only=False)
        err = TrainingPreempted(self.checkpoint_path, trainer.global_step)
        if trainer.is_global_zero:
            print(str(err), file=sys.stderr, flush=True)
        raise err


def _at_epoch_end(trainer: L.Trainer) -> bool:
    return bool(trainer.fit_loop.epoch_loop.batch_progress.is_last_batch)


def _training_complete(trainer: L.Trainer) -> bool:
    max_steps, max_epochs = trainer.max_steps, trainer.max_epochs
    if max_steps is not None and max_steps > 0 and trainer.global_step >= max_steps:
        return True
    return bool(max_epochs is not None and max_epochs > 0 and _at_epoch_end(trainer)
                and trainer.current_epoch + 1 >= max_epochs)
