"""The LightningModule: CTC training of a :class:`CTCModel` with greedy WER on validation.

It holds the model, the loss and the step logic. The run's cross-cutting jobs are
callbacks with one job each (:mod:`gru_asr.training.callbacks`); the two that any fit of
this module needs it attaches itself (``configure_callbacks``): the non-finite guard and,
with ``ema``, the upkeep of the weight average. Validation scores per dev set are summed
by :class:`~gru_asr.training.dev_scores.DevSetScores`.

With ``ema_config`` (``ema``) the module also holds an exponential moving average of
the weights, ``ema_model`` (:mod:`gru_asr.training.ema`). Validation then measures both:
the average under the ``val_*`` keys (checkpoints are ranked by it) and the trained
weights as ``val_raw_wer``/``val_raw_loss``, so one run shows what the average gains.

With ``interctc_config`` (``interctc``) training adds CTC losses on lower encoder
layers (:mod:`gru_asr.training.intermediate_ctc`); ``train_loss`` is then the mixed
objective and ``train_ctc_loss`` the final layer's alone. Validation measures the
final layer only, so ``val_loss`` means the same with or without it.
"""

from __future__ import annotations

import lightning as L
import torch
import torch.nn.functional as F

from gru_asr.decoders import GreedyDecoder
from gru_asr.encoders.base import IntermediateOutputEncoder
from gru_asr.models import CTCModel
from gru_asr.training.callbacks import ExponentialMovingAverage, NonFiniteGuard
from gru_asr.training.config import ema_decay
from gru_asr.training.dev_scores import DevSetScores
from gru_asr.training.ema import frozen_copy, match_average_to
from gru_asr.training.intermediate_ctc import parse_intermediate_ctc
from gru_asr.training.optim import build_optimizer, build_scheduler, time_budget_fraction


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
        decay = ema_decay(ema_config)
        self.ema_model = frozen_copy(self.model) if decay is not None else None
        self.weight_average = ExponentialMovingAverage(decay) if decay is not None else None
        self.nonfinite = NonFiniteGuard()
        self.decoder = GreedyDecoder(self.model.tokenizer, self.model.frame_shift)
        self.dev_scores = DevSetScores()

    def configure_callbacks(self) -> list:
        return [self.nonfinite] + ([self.weight_average] if self.weight_average is not None else [])

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
        if batch["size"] == 0:
            # Every utterance of the batch was bad. Under DDP this rank must still
            # join the gradient all-reduce, so contribute zero gradients.
            return sum(p.sum() * 0.0 for p in self.model.parameters())
        loss, final_loss = self.training_loss(batch)
        if torch.isfinite(loss):  # a non-finite loss is NonFiniteGuard's to count and skip
            self.log("train_loss", loss, prog_bar=True, on_step=True, on_epoch=True, batch_size=batch["size"])
            if self.interctc is not None:
                self.log("train_ctc_loss", final_loss.detach(), on_step=True, on_epoch=True, batch_size=batch["size"])
        return loss

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        # Here, not in the averaging callback: this runs before Lightning loads the state dict.
        match_average_to(checkpoint, keeps_average=self.ema_model is not None)

    def restart_ema(self) -> None:
        """Start the average from the model as it is now. Called once the front-end's
        normalization statistics are set, so that the average never holds the
        placeholder statistics it was copied with (a resumed run then loads its own)."""
        if self.ema_model is not None:
            self.ema_model.load_state_dict(self.model.state_dict())
            self.weight_average.updates = 0

    def set_dev_sets(self, names: list[str] | None, monitor: str | None = None) -> None:
        """Name the validation loaders, in order. ``None``: one unnamed dev set,
        logged as ``val_wer``/``val_cer``/``val_loss`` only. ``monitor`` is the
        set also logged under those keys (default: the first)."""
        self.dev_scores.set_names(names, monitor)

    def validation_step(self, batch: dict, batch_idx: int, dataloader_idx: int = 0) -> None:
        if batch["size"] == 0:
            return
        # Key 0..n-1: the model that is monitored (the average when there is one);
        # n + i: the trained weights on dev set i, measured beside it.
        sets = self.dev_scores.check_loaders(len(self.trainer.num_val_batches))
        measured = [(self.model, dataloader_idx)] if self.ema_model is None else [
            (self.ema_model, dataloader_idx), (self.model, sets + dataloader_idx)]
        for model, key in measured:
            loss, log_probs, out_lens = self.ctc_loss(batch, model)
            hyps = [h[0].text for h in self.decoder.decode(log_probs, out_lens)]
            self.dev_scores.add(key, batch["texts"], hyps, float(loss), batch["size"])

    def on_validation_epoch_end(self) -> None:
        sets = self.dev_scores.check_loaders(len(self.trainer.num_val_batches))
        reduce = lambda t: self.trainer.strategy.reduce(t, reduce_op="sum")  # noqa: E731
        for key, value, prog_bar in self.dev_scores.reduce(sets, self.ema_model is not None, reduce, self.device):
            self.log(key, value, prog_bar=prog_bar, sync_dist=False, add_dataloader_idx=False)

    def configure_optimizers(self):
        opt = build_optimizer(self.model.parameters(), self.optim_config)
        sched = build_scheduler(opt, self.optim_config.get("scheduler", {}), int(self.trainer.estimated_stepping_batches),
                                time_budget_fraction(self.trainer))
        if sched is None:
            return opt
        return {"optimizer": opt, "lr_scheduler": {"scheduler": sched, "interval": "step"}}
