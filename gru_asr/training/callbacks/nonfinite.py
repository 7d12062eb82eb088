"""Keep one bad batch from spoiling a run: a non-finite loss or gradient skips the update.

A batch whose loss is NaN/inf is still backpropagated, so that all DDP ranks stay in
step: the all-reduce spreads the non-finite gradients to every rank, and the optimizer
step is then dropped on all of them alike (no update, no weight decay, no moment update
from garbage). Batch-norm running statistics, which the forward pass has already moved,
are put back. Both events are counted, logged as ``nonfinite_loss_batches`` and
``nonfinite_grad_steps``, warned about, and kept in checkpoints.
"""

from __future__ import annotations

import logging

import torch
from lightning.pytorch.callbacks import Callback

log = logging.getLogger(__name__)


class NonFiniteGuard(Callback):
    def __init__(self) -> None:
        self.loss_batches = 0
        self.grad_steps = 0
        self._saved_buffers: list[tuple[torch.Tensor, torch.Tensor]] = []
        self._restore_buffers = False
        self._batch_ids: list = []
        self._batch_size = 0

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        self._batch_ids, self._batch_size = batch["ids"], batch["size"]
        if batch["size"] > 0:  # an empty batch runs no forward pass
            self._saved_buffers = [(b, b.detach().clone()) for b in pl_module.model.buffers()]  # num_batches_tracked too

    def on_before_backward(self, trainer, pl_module, loss: torch.Tensor) -> None:
        if torch.isfinite(loss):
            return
        self._restore_buffers = True
        self.loss_batches += 1
        pl_module.log("nonfinite_loss_batches", float(self.loss_batches), batch_size=self._batch_size)
        log.warning("step %d: loss is %s for utterances %s; the update is skipped (%d such batches so far)",
                    trainer.global_step, float(loss.detach()), ", ".join(map(str, self._batch_ids[:5])), self.loss_batches)

    def on_after_backward(self, trainer, pl_module) -> None:
        # Right after backward (which reads the batch statistics saved by the forward
        # pass, not the running ones), and before any on_train_batch_end: a checkpoint
        # written at this step (periodic or on SIGTERM) must not hold running
        # statistics poisoned by the NaN batch.
        if self._restore_buffers:
            with torch.no_grad():
                for buf, copy in self._saved_buffers:
                    buf.copy_(copy)
            self._restore_buffers = False
        self._saved_buffers = []

    def on_before_optimizer_step(self, trainer, pl_module, optimizer) -> None:
        grads = [p.grad for p in pl_module.parameters() if p.grad is not None]
        if grads and not torch.isfinite(torch.stack([g.norm() for g in grads]).sum()):
            # Dropping the gradients makes the optimizer skip every parameter.
            self.grad_steps += 1
            pl_module.log("nonfinite_grad_steps", float(self.grad_steps))
            log.warning("step %d: non-finite gradients; the optimizer step is skipped, weights unchanged",
                        trainer.global_step)
            for p in pl_module.parameters():
                p.grad = None

    def on_save_checkpoint(self, trainer, pl_module, checkpoint: dict) -> None:
        checkpoint.setdefault("gru_asr", {}).update(nonfinite_loss_batches=self.loss_batches,
                                                    nonfinite_grad_steps=self.grad_steps)

    def on_load_checkpoint(self, trainer, pl_module, checkpoint: dict) -> None:
        state = checkpoint.get("gru_asr") or {}
        self.loss_batches = int(state.get("nonfinite_loss_batches", 0))
        self.grad_steps = int(state.get("nonfinite_grad_steps", 0))
