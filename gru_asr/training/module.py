"""The LightningModule: CTC training of a :class:`CTCModel` with greedy WER on validation."""

from __future__ import annotations

import logging

import lightning as L
import torch
import torch.nn.functional as F

from gru_asr.data.dataset import SkipReport
from gru_asr.decoders import GreedyDecoder
from gru_asr.metrics import ErrorCounts, count_errors
from gru_asr.models import CTCModel
from gru_asr.training.optim import build_optimizer, build_scheduler

log = logging.getLogger(__name__)


class CTCTrainingModule(L.LightningModule):
    def __init__(self, model_config: dict, optim_config: dict):
        super().__init__()
        # Plain dicts only: checkpoints then load with torch.load(weights_only=True).
        self.save_hyperparameters({"model_config": model_config, "optim_config": optim_config})
        self.model = CTCModel(model_config)
        self.optim_config = optim_config
        self.decoder = GreedyDecoder(self.model.tokenizer, self.model.frame_shift)
        self.skipped = SkipReport()
        self.nonfinite_loss_batches = 0
        self.nonfinite_grad_steps = 0
        self._val_counts = ErrorCounts()
        self._val_loss_sum = 0.0
        self._val_utts = 0
        # Mid-epoch resume: the training sampler (set by train()), the batches
        # consumed in the current epoch, and RNG states to restore on resume.
        self.train_sampler = None
        self._batches_in_epoch = 0
        self._rng_to_restore = None

    def ctc_loss(self, batch: dict) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        log_probs, out_lens = self.model(batch["audio"], batch["audio_lens"])
        loss = F.ctc_loss(
            log_probs.transpose(0, 1),
            batch["tokens"],
            out_lens,
            batch["token_lens"],
            blank=self.model.tokenizer.blank_id,
            reduction="sum",
            zero_infinity=True,
        )
        return loss / batch["size"], log_probs, out_lens

    def training_step(self, batch: dict, batch_idx: int):
        for utt_id, reason in batch["skipped"]:
            self.skipped.add(utt_id, reason)
        if batch["size"] == 0:
            # Every utterance of the batch was bad. Under DDP this rank must still
            # join the gradient all-reduce, so contribute zero gradients.
            return sum(p.sum() * 0.0 for p in self.parameters())
        # Batch-norm running statistics change during the forward pass; keep a
        # copy so that a batch producing NaN/inf cannot poison them.
        self._saved_buffers = [(b, b.detach().clone()) for b in self.model.buffers() if b.is_floating_point()]
        loss, _, _ = self.ctc_loss(batch)
        if not torch.isfinite(loss):
            self._restore_buffers = True  # after backward, which may still need them
            # Backpropagate anyway so that all DDP ranks stay in step: the
            # all-reduce spreads the non-finite gradients to every rank, and
            # on_before_optimizer_step then drops the update on all of them alike.
            self.nonfinite_loss_batches += 1
            self.log("nonfinite_loss_batches", float(self.nonfinite_loss_batches), batch_size=batch["size"])
            return loss
        self.log("train_loss", loss, prog_bar=True, on_step=True, on_epoch=True, batch_size=batch["size"])
        return loss

    def on_train_epoch_start(self) -> None:
        self._batches_in_epoch = 0

    def on_train_batch_start(self, batch, batch_idx) -> None:
        if self._rng_to_restore is not None:
            # Restored here, after the resumed epoch's loader iterator was
            # created (creating it draws from the RNG), so dropout, SpecAugment
            # and dither continue exactly where the interrupted run stopped.
            _set_rng_state(self._rng_to_restore)
            self._rng_to_restore = None
        self._batches_in_epoch += 1

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        state = {
            "batches_in_epoch": self._batches_in_epoch,
            "rng": _get_rng_state(),
            "skipped": dict(self.skipped.skipped),
            "nonfinite_loss_batches": self.nonfinite_loss_batches,
            "nonfinite_grad_steps": self.nonfinite_grad_steps,
        }
        if self.train_sampler is not None:
            state["sampler"] = self.train_sampler.state_dict(batches_consumed=self._batches_in_epoch)
        checkpoint["gru_asr"] = state

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        state = checkpoint.get("gru_asr")
        if not state:
            return
        self._batches_in_epoch = int(state.get("batches_in_epoch", 0))
        self.skipped.skipped.update(state.get("skipped", {}))
        self.nonfinite_loss_batches = int(state.get("nonfinite_loss_batches", 0))
        self.nonfinite_grad_steps = int(state.get("nonfinite_grad_steps", 0))
        if self.train_sampler is not None and "sampler" in state:
            self.train_sampler.load_state_dict(state["sampler"])
        self._rng_to_restore = state.get("rng")

    def on_train_batch_end(self, outputs, batch, batch_idx) -> None:
        if getattr(self, "_restore_buffers", False):
            with torch.no_grad():
                for buf, copy in self._saved_buffers:
                    buf.copy_(copy)
            self._restore_buffers = False
        self._saved_buffers = []

    def on_before_optimizer_step(self, optimizer) -> None:
        grads = [p.grad for p in self.parameters() if p.grad is not None]
        if grads and not torch.isfinite(torch.stack([g.norm() for g in grads]).sum()):
            # Dropping the gradients makes the optimizer skip every parameter:
            # no update, no weight decay, no moment update from garbage.
            self.nonfinite_grad_steps += 1
            self.log("nonfinite_grad_steps", float(self.nonfinite_grad_steps))
            for p in self.parameters():
                p.grad = None

    def validation_step(self, batch: dict, batch_idx: int) -> None:
        if batch["size"] == 0:
            return
        loss, log_probs, out_lens = self.ctc_loss(batch)
        hyps = [h[0].text for h in self.decoder.decode(log_probs, out_lens)]
        self._val_counts = self._val_counts + count_errors(batch["texts"], hyps)
        self._val_loss_sum += float(loss) * batch["size"]
        self._val_utts += batch["size"]

    def on_validation_epoch_end(self) -> None:
        # Sum raw counts over ranks, then divide: a ratio of sums, not a mean of ratios.
        c = self._val_counts
        t = torch.tensor([c.word_errors, c.ref_words, c.char_errors, c.ref_chars, self._val_loss_sum, self._val_utts], dtype=torch.float64, device=self.device)
        t = self.trainer.strategy.reduce(t, reduce_op="sum")
        we, rw, ce, rc, ls, n = t.tolist()
        self.log("val_wer", we / max(rw, 1), prog_bar=True, sync_dist=False)
        self.log("val_cer", ce / max(rc, 1), sync_dist=False)
        self.log("val_loss", ls / max(n, 1), prog_bar=True, sync_dist=False)
        self._val_counts, self._val_loss_sum, self._val_utts = ErrorCounts(), 0.0, 0

    def configure_optimizers(self):
        opt = build_optimizer(self.parameters(), self.optim_config)
        sched = build_scheduler(opt, self.optim_config.get("scheduler", {}), int(self.trainer.estimated_stepping_batches))
        if sched is None:
            return opt
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}


def _get_rng_state() -> dict:
    """Plain tensors and numbers only, so checkpoints load with weights_only=True."""
    import random

    import numpy as np

    version, internal, gauss = random.getstate()
    _, keys, pos, has_gauss, cached = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "python": {"version": version, "internal": list(internal), "gauss": gauss},
        "numpy": {"keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos), "has_gauss": int(has_gauss), "cached": float(cached)},
    }


def _set_rng_state(state: dict) -> None:
    import random

    import numpy as np

    torch.set_rng_state(state["torch"])
    py = state["python"]
    random.setstate((py["version"], tuple(py["internal"]), py["gauss"]))
    n = state["numpy"]
    np.random.set_state(("MT19937", n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["cached"]))
