"""The LightningModule: CTC training of a :class:`CTCModel` with greedy WER on validation.

Validation may run over several dev sets (one loader each): WER, CER and loss
are kept per set and logged as ``val/<name>/wer`` (``cer``, ``loss``); the
monitored set is also logged as ``val_wer``/``val_cer``/``val_loss``, the keys
checkpointing and early stopping watch.

With ``ema_config`` (``trainer.ema``) the module also keeps an exponential moving
average of the weights (:mod:`gru_asr.training.ema`). Validation then measures both:
the average under the keys above (checkpoints are ranked by it) and the trained
weights as ``val_raw_wer``/``val_raw_loss``, so one run shows what the average gains.

With ``interctc_config`` (``interctc``) training adds CTC losses on lower encoder
layers (:mod:`gru_asr.training.intermediate_ctc`); ``train_loss`` is then the mixed
objective and ``train_ctc_loss`` the final layer's alone. Validation measures the
final layer only, so ``val_loss`` means the same with or without it.
"""

from __future__ import annotations

import logging

import lightning as L
import torch
import torch.nn.functional as F

from gru_asr.data.dataset import SkipReport
from gru_asr.decoders import GreedyDecoder
from gru_asr.encoders.base import IntermediateOutputEncoder
from gru_asr.metrics import ErrorCounts, count_errors
from gru_asr.models import CTCModel
from gru_asr.training.ema import ema_decay_at, frozen_copy, update_ema
from gru_asr.training.intermediate_ctc import parse_intermediate_ctc
from gru_asr.training.optim import build_optimizer, build_scheduler

log = logging.getLogger(__name__)


class CTCTrainingModule(L.LightningModule):
    def __init__(
        self, model_config: dict, optim_config: dict, ema_config: dict | None = None, interctc_config: dict | None = None
    ):
        super().__init__()
        # Plain dicts only: checkpoints then load with torch.load(weights_only=True).
        self.save_hyperparameters({"model_config": model_config, "optim_config": optim_config, "ema_config": ema_config,
                                   "interctc_config": interctc_config})
        self.model = CTCModel(model_config)
        self.optim_config = optim_config
        # Intermediate CTC: extra CTC losses on lower encoder layers, in training only.
        self.interctc = parse_intermediate_ctc(interctc_config)
        if self.interctc is not None and not isinstance(self.model.encoder, IntermediateOutputEncoder):
            raise TypeError(f"interctc: encoder {type(self.model.encoder).__name__} does not expose intermediate "
                            "layers (forward_with_intermediates, see gru_asr.encoders.base)")
        if self.interctc is not None:
            self._check_interctc_layers()
        # The weight average: a submodule, so checkpoints (state_dict) carry it and
        # a resumed run continues it; its parameters never reach the optimizer.
        self.ema_decay = _ema_decay(ema_config)
        self.ema_model = frozen_copy(self.model) if self.ema_decay is not None else None
        self._ema_updates = 0
        self.decoder = GreedyDecoder(self.model.tokenizer, self.model.frame_shift)
        self.skipped = SkipReport()
        self.all_ranks_skipped: dict[str, str] | None = None  # set at the end of training
        self.nonfinite_loss_batches = 0
        self.nonfinite_grad_steps = 0
        # Validation totals per dev set (loader index); see set_dev_sets.
        self._val_totals: dict[int, _ValTotals] = {}
        self.dev_set_names: list[str] | None = None
        self.monitor_dev_index = 0
        # Mid-epoch resume: the training sampler (set by train()), the batches
        # consumed in the current epoch, and RNG states to restore on resume.
        self.train_sampler = None
        self._batches_in_epoch = 0
        self._rng_to_restore = None

    def _check_interctc_layers(self) -> None:
        """Refuse layers outside the encoder's stack now, not at the first step after
        data loading: one second of silence through the model (eval mode, no gradient,
        so no random draw and no running statistic changes)."""
        was_training = self.model.training
        try:
            self.model.eval()
            with torch.no_grad():
                n = self.model.sample_rate
                self.model.forward_with_intermediates(torch.zeros(1, n), torch.tensor([n]), self.interctc.layers)
        finally:
            self.model.train(was_training)

    def ctc_loss(self, batch: dict, model: CTCModel | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        log_probs, out_lens = (self.model if model is None else model)(batch["audio"], batch["audio_lens"])
        return self._ctc(log_probs, out_lens, batch), log_probs, out_lens

    def _ctc(self, log_probs: torch.Tensor, out_lens: torch.Tensor, batch: dict) -> torch.Tensor:
        loss = F.ctc_loss(
            log_probs.transpose(0, 1),
            batch["tokens"],
            out_lens,
            batch["token_lens"],
            blank=self.model.tokenizer.blank_id,
            reduction="sum",
            zero_infinity=True,
        )
        return loss / batch["size"]

    def training_loss(self, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
        """(objective, final layer's CTC loss): equal unless intermediate CTC is on."""
        if self.interctc is None:
            loss, _, _ = self.ctc_loss(batch)
            return loss, loss
        log_probs, out_lens, intermediate = self.model.forward_with_intermediates(
            batch["audio"], batch["audio_lens"], self.interctc.layers)
        final = self._ctc(log_probs, out_lens, batch)
        return self.interctc.mix(final, [self._ctc(lp, out_lens, batch) for lp in intermediate]), final

    def training_step(self, batch: dict, batch_idx: int):
        for utt_id, reason in batch["skipped"]:
            self.skipped.add(utt_id, reason)
        if batch["size"] == 0:
            # Every utterance of the batch was bad. Under DDP this rank must still
            # join the gradient all-reduce, so contribute zero gradients.
            return sum(p.sum() * 0.0 for p in self.model.parameters())
        # Batch-norm running statistics change during the forward pass; keep a
        # copy so that a batch producing NaN/inf cannot poison them.
        self._saved_buffers = [(b, b.detach().clone()) for b in self.model.buffers()]  # num_batches_tracked too
        loss, final_loss = self.training_loss(batch)
        if not torch.isfinite(loss):
            self._restore_buffers = True  # done in on_after_backward
            # Backpropagate anyway so that all DDP ranks stay in step: the
            # all-reduce spreads the non-finite gradients to every rank, and
            # on_before_optimizer_step then drops the update on all of them alike.
            self.nonfinite_loss_batches += 1
            self.log("nonfinite_loss_batches", float(self.nonfinite_loss_batches), batch_size=batch["size"])
            log.warning("step %d: loss is %s for utterances %s; the update is skipped (%d such batches so far)",
                        self.global_step, float(loss.detach()), ", ".join(map(str, batch["ids"][:5])), self.nonfinite_loss_batches)
            return loss
        self.log("train_loss", loss, prog_bar=True, on_step=True, on_epoch=True, batch_size=batch["size"])
        if self.interctc is not None:
            self.log("train_ctc_loss", final_loss.detach(), on_step=True, on_epoch=True, batch_size=batch["size"])
        return loss

    def on_train_epoch_start(self) -> None:
        self._batches_in_epoch = 0
        if self.train_sampler is not None and hasattr(self.train_sampler, "set_epoch"):
            # Lightning only calls set_epoch on a DataLoader's sampler, not on a
            # batch sampler: without this every epoch would repeat epoch 0's order.
            # (Not called for an epoch resumed mid-way: the sampler state is restored.)
            self.train_sampler.set_epoch(self.current_epoch)
            self._follow_epoch_length()
        if self._rng_to_restore is not None:
            # Resumed from a checkpoint written between two epochs. The
            # uninterrupted run created this epoch's loader iterator after that
            # checkpoint, and creating one draws a seed from the torch RNG
            # (unless the loader keeps persistent workers): replay that draw so
            # that dropout, SpecAugment and dither continue exactly.
            _set_rng_state(self._rng_to_restore)
            self._rng_to_restore = None
            loader = self.trainer.train_dataloader
            if not (getattr(loader, "persistent_workers", False) and getattr(loader, "num_workers", 0) > 0):
                torch.empty((), dtype=torch.int64).random_()

    def _follow_epoch_length(self) -> None:
        """Tell Lightning this epoch's batch count.

        Lightning counts the training batches once, at setup, and validates when the
        batch index reaches that count. A mixture epoch (a fresh draw of each corpus's
        seconds) or a re-bucketed epoch can have a few batches fewer: such an epoch
        ended without validation, so checkpoints were ranked by the last dev WER
        measured (on AN4 + synthetic speech, 31 of 50 epochs went unvalidated). One with
        more batches would have been cut short. Only the default full epoch (no
        ``limit_train_batches``, validation once per epoch) is adjusted.
        """
        trainer = self.trainer
        if trainer.limit_train_batches != 1.0 or trainer.val_check_interval != 1.0 or trainer.check_val_every_n_epoch is None:
            return
        try:
            batches = len(self.train_sampler)
        except TypeError:  # a streaming sampler without a length: Lightning does not count either
            return
        loader = trainer.fit_loop._combined_loader  # where Lightning keeps the per-loader batch limit
        if batches > 0 and loader is not None and len(loader.flattened) == 1:
            loader.limits = [batches]
            trainer.fit_loop.max_batches = batches
            trainer.val_check_batch = batches

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
            "ema_updates": self._ema_updates,
        }
        if self.train_sampler is not None:
            state["sampler"] = self.train_sampler.state_dict(batches_consumed=self._batches_in_epoch)
        checkpoint["gru_asr"] = state

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        self._match_ema_to(checkpoint)
        state = checkpoint.get("gru_asr")
        if not state:
            return
        self._batches_in_epoch = int(state.get("batches_in_epoch", 0))
        self.skipped.skipped.update(state.get("skipped", {}))
        self.nonfinite_loss_batches = int(state.get("nonfinite_loss_batches", 0))
        self.nonfinite_grad_steps = int(state.get("nonfinite_grad_steps", 0))
        self._ema_updates = int(state.get("ema_updates", 0))
        if self.train_sampler is not None and "sampler" in state:
            self.train_sampler.load_state_dict(state["sampler"])
        self._rng_to_restore = state.get("rng")

    def _match_ema_to(self, checkpoint: dict) -> None:
        """Resuming with ``trainer.ema`` switched on or off since the checkpoint was
        written (runs before Lightning loads its state dict, strictly): a new average
        starts from the checkpoint's weights; one no longer wanted is dropped."""
        weights = checkpoint.get("state_dict")
        if weights is None:
            return
        has_average = any(k.startswith("ema_model.") for k in weights)
        if self.ema_model is not None and not has_average:
            log.warning("the checkpoint has no weight average (trainer.ema was off): it starts from the checkpoint's weights")
            for key in [k for k in weights if k.startswith("model.")]:
                weights["ema_" + key] = weights[key].clone()
            checkpoint.setdefault("gru_asr", {})["ema_updates"] = 0
        elif self.ema_model is None and has_average:
            log.warning("trainer.ema is off: the checkpoint's weight average is dropped, training goes on from its weights")
            for key in [k for k in weights if k.startswith("ema_model.")]:
                del weights[key]

    def on_after_backward(self) -> None:
        # Right after backward (which reads the batch statistics saved by the
        # forward pass, not the running ones), and before any callback's
        # on_train_batch_end: a checkpoint written at this step (periodic or
        # on SIGTERM) must not hold running statistics poisoned by the NaN batch.
        if getattr(self, "_restore_buffers", False):
            with torch.no_grad():
                for buf, copy in self._saved_buffers:
                    buf.copy_(copy)
            self._restore_buffers = False
        self._saved_buffers = []

    def restart_ema(self) -> None:
        """Start the average from the model as it is now. Called once the front-end's
        normalization statistics are set, so that the average never holds the
        placeholder statistics it was copied with (a resumed run then loads its own)."""
        if self.ema_model is not None:
            self.ema_model.load_state_dict(self.model.state_dict())
            self._ema_updates = 0

    def optimizer_step(self, *args, **kwargs) -> None:
        super().optimizer_step(*args, **kwargs)
        # Here, not in on_train_batch_end: callbacks' on_train_batch_end run before
        # the module's, and a checkpoint they write (mid-epoch, SIGTERM) must hold the
        # average that belongs to the weights it holds, or resuming would drift.
        if self.ema_model is not None:
            update_ema(self.ema_model, self.model, ema_decay_at(self._ema_updates, self.ema_decay))
            self._ema_updates += 1

    def on_before_optimizer_step(self, optimizer) -> None:
        grads = [p.grad for p in self.parameters() if p.grad is not None]
        if grads and not torch.isfinite(torch.stack([g.norm() for g in grads]).sum()):
            # Dropping the gradients makes the optimizer skip every parameter:
            # no update, no weight decay, no moment update from garbage.
            self.nonfinite_grad_steps += 1
            self.log("nonfinite_grad_steps", float(self.nonfinite_grad_steps))
            log.warning("step %d: non-finite gradients; the optimizer step is skipped, weights unchanged",
                        self.global_step)
            for p in self.parameters():
                p.grad = None

    def set_dev_sets(self, names: list[str] | None, monitor: str | None = None) -> None:
        """Name the validation loaders, in order. ``None``: one unnamed dev set,
        logged as ``val_wer``/``val_cer``/``val_loss`` only. ``monitor`` is the
        set also logged under those keys (default: the first)."""
        if names is not None and len(set(names)) != len(names):
            raise ValueError(f"dev set names must be distinct: {names}")
        if monitor is not None and monitor not in (names or []):
            raise ValueError(f"monitored dev set {monitor!r} is not among {names}")
        self.dev_set_names = list(names) if names is not None else None
        self.monitor_dev_index = names.index(monitor) if monitor is not None else 0

    def validation_step(self, batch: dict, batch_idx: int, dataloader_idx: int = 0) -> None:
        if batch["size"] == 0:
            return
        # Key 0..n-1: the model that is monitored (the average when there is one);
        # n + i: the trained weights on dev set i, measured beside it.
        sets = self._num_dev_sets()
        measured = [(self.model, dataloader_idx)] if self.ema_model is None else [
            (self.ema_model, dataloader_idx), (self.model, sets + dataloader_idx)]
        for model, key in measured:
            loss, log_probs, out_lens = self.ctc_loss(batch, model)
            hyps = [h[0].text for h in self.decoder.decode(log_probs, out_lens)]
            totals = self._val_totals.setdefault(key, _ValTotals())
            totals.counts = totals.counts + count_errors(batch["texts"], hyps)
            totals.loss_sum += float(loss) * batch["size"]
            totals.utterances += batch["size"]

    def _num_dev_sets(self) -> int:
        loaders = len(self.trainer.num_val_batches) if self._trainer is not None else 1
        if self.dev_set_names is not None and len(self.dev_set_names) != loaders:
            raise ValueError(f"{len(self.dev_set_names)} dev set names for {loaders} validation loaders")
        return loaders

    def on_validation_epoch_end(self) -> None:
        # Sum raw counts over ranks, then divide: a ratio of sums, not a mean of
        # ratios. One all-reduce of a (sets x 6) table, with a row for every set
        # even where this rank saw no batch of it, so all ranks reduce alike.
        sets = self._num_dev_sets()
        keys = 2 * sets if self.ema_model is not None else sets
        rows = [self._val_totals.get(i, _ValTotals()).as_row() for i in range(keys)]
        t = torch.tensor(rows, dtype=torch.float64, device=self.device)
        t = self.trainer.strategy.reduce(t, reduce_op="sum")
        for i, (we, rw, ce, rc, ls, n) in enumerate(t.tolist()):
            metrics = {"wer": we / max(rw, 1), "cer": ce / max(rc, 1), "loss": ls / max(n, 1)}
            if i >= sets:  # the trained weights, beside their average
                if i - sets == self.monitor_dev_index:
                    self.log("val_raw_wer", metrics["wer"], sync_dist=False, add_dataloader_idx=False)
                    self.log("val_raw_loss", metrics["loss"], sync_dist=False, add_dataloader_idx=False)
                continue
            if self.dev_set_names is not None:
                for key, value in metrics.items():
                    self.log(f"val/{self.dev_set_names[i]}/{key}", value, sync_dist=False, add_dataloader_idx=False)
            if i == self.monitor_dev_index:
                self.log("val_wer", metrics["wer"], prog_bar=True, sync_dist=False, add_dataloader_idx=False)
                self.log("val_cer", metrics["cer"], sync_dist=False, add_dataloader_idx=False)
                self.log("val_loss", metrics["loss"], prog_bar=True, sync_dist=False, add_dataloader_idx=False)
        self._val_totals = {}

    def on_train_end(self) -> None:
        # Pool every rank's skipped ids while the process group is certainly up (inside
        # fit, where Lightning runs its own collectives), not after fit returns.
        self.all_ranks_skipped = dict(self.skipped.skipped)
        if self.trainer.world_size > 1:
            import torch.distributed as dist

            if dist.is_available() and dist.is_initialized():
                reports: list = [None] * dist.get_world_size()
                dist.all_gather_object(reports, dict(self.skipped.skipped))
                for report in reports:
                    self.all_ranks_skipped.update(report or {})

    def _time_fraction(self):
        """Training time used so far over ``trainer.max_time`` (``None`` without a budget).

        Read from Lightning's ``Timer``, whose state is checkpointed, so a resumed
        run counts the time spent before the interruption. Under DDP rank 0's
        clock is broadcast so that every rank steps to the same learning rate.
        """
        from lightning.pytorch.callbacks import Timer

        timer = next((c for c in self.trainer.callbacks if isinstance(c, Timer) and c._duration), None)
        if timer is None:
            return None
        trainer, budget = self.trainer, float(timer._duration)

        def fraction() -> float:
            value = timer.time_elapsed("train") / budget
            if trainer.world_size > 1:
                value = trainer.strategy.broadcast(value, src=0)
            return value

        return fraction

    def configure_optimizers(self):
        opt = build_optimizer(self.model.parameters(), self.optim_config)
        sched = build_scheduler(
            opt, self.optim_config.get("scheduler", {}), int(self.trainer.estimated_stepping_batches), self._time_fraction()
        )
        if sched is None:
            return opt
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}


def _ema_decay(ema_config: dict | None) -> float | None:
    """``trainer.ema``'s decay, checked; ``None`` when the average is off."""
    if ema_config is None:
        return None
    # A misspelled field must not quietly train without the average.
    if not isinstance(ema_config, dict) or set(ema_config) != {"decay"}:
        raise ValueError(f"trainer.ema must be null or a mapping like {{decay: 0.999}}, got {ema_config!r}")
    decay = float(ema_config["decay"])
    if not 0.0 < decay < 1.0:
        raise ValueError(f"trainer.ema.decay must be between 0 and 1 (exclusive), got {decay}")
    return decay


class _ValTotals:
    """Edit counts, summed loss and utterances of one dev set on this rank."""

    def __init__(self) -> None:
        self.counts = ErrorCounts()
        self.loss_sum = 0.0
        self.utterances = 0

    def as_row(self) -> list[float]:
        c = self.counts
        return [c.word_errors, c.ref_words, c.char_errors, c.ref_chars, self.loss_sum, self.utterances]


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
