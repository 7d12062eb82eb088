"""Mixed precision: a batch whose loss or gradients come out inf/NaN under
autocast is skipped (no weight, optimizer-moment or batch-norm update), the
weights stay finite, and the skip is counted, logged as a metric and warned
about. Training then goes on normally."""

import logging

import lightning as L
import pytest
import torch
from torch.utils.data import DataLoader

from gru_asr.training.module import CTCTrainingModule
from tests.conftest import small_model_config


def batch(audio, utt="u", text="hello"):
    tokens = torch.tensor([[ord(c) - ord("a") + 3 for c in text]])
    return {"ids": [utt], "texts": [text], "audio": audio, "audio_lens": torch.tensor([audio.size(1)]),
            "tokens": tokens, "token_lens": torch.tensor([tokens.size(1)]), "skipped": [], "size": 1}


class Snapshots(L.Callback):
    """Weights (and optimizer moments) before and after every step."""

    def __init__(self):
        self.before, self.after, self.moments_after = {}, {}, {}

    def on_train_batch_start(self, trainer, module, b, idx):
        self.before[idx] = {k: v.detach().clone() for k, v in module.state_dict().items()}

    def on_train_batch_end(self, trainer, module, out, b, idx):
        self.after[idx] = {k: v.detach().clone() for k, v in module.state_dict().items()}
        opt = trainer.optimizers[0]
        self.moments_after[idx] = {id(p): s["exp_avg"].clone() for p, s in opt.state.items() if "exp_avg" in s}


@pytest.mark.parametrize("precision", ["bf16-mixed", "32-true"])
def test_inf_nan_batch_under_autocast_is_skipped_and_logged(precision, tmp_path, caplog):
    torch.manual_seed(0)
    module = CTCTrainingModule(small_model_config(), {"name": "adamw", "lr": 1e-2, "scheduler": {"name": "constant"}})
    good = torch.randn(1, 16000) * 0.1
    # Finite samples, but their power spectrum (1e50) overflows: features become
    # inf, the encoder turns inf - inf into NaN, the CTC loss is NaN.
    loud = torch.full((1, 16000), 1e25)
    batches = [batch(good, "good0"), batch(loud, "loud1"), batch(good, "good2")]
    snaps = Snapshots()
    trainer = L.Trainer(max_steps=3, accelerator="cpu", precision=precision, logger=L.pytorch.loggers.CSVLogger(tmp_path),
                        enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
                        limit_val_batches=0, log_every_n_steps=1, callbacks=[snaps])
    with caplog.at_level(logging.WARNING, logger="gru_asr.training.module"):
        trainer.fit(module, DataLoader(batches, batch_size=None, collate_fn=lambda x: x))

    assert trainer.global_step == 3
    assert module.nonfinite.loss_batches == 1 and module.nonfinite.grad_steps == 1
    # the bad step changed nothing: weights, batch-norm statistics, Adam moments
    for key, value in snaps.before[1].items():
        assert torch.equal(value, snaps.after[1][key]), key
    for pid, moment in snaps.moments_after[1].items():
        assert torch.equal(moment, snaps.moments_after[0][pid])
    # the good steps around it did train
    assert any(not torch.equal(snaps.before[2][k], snaps.after[2][k]) for k in snaps.before[2])
    assert all(torch.isfinite(v).all() for v in module.state_dict().values() if v.is_floating_point())
    # counted in the metrics, and warned about with the utterance id
    assert trainer.callback_metrics["nonfinite_loss_batches"] == 1
    assert any("loud1" in r.getMessage() and "skipped" in r.getMessage() for r in caplog.records)
    metrics = (tmp_path / "lightning_logs" / "version_0" / "metrics.csv").read_text()
    assert "nonfinite_loss_batches" in metrics.splitlines()[0]


def test_bf16_autocast_actually_runs_the_encoder_in_bf16():
    """Guards the test above: under bf16-mixed the GRU encoder computes in bf16."""
    torch.manual_seed(0)
    module = CTCTrainingModule(small_model_config(), {"name": "adamw", "lr": 1e-3, "scheduler": {"name": "constant"}})
    seen = []
    module.model.encoder.register_forward_hook(lambda m, i, o: seen.append(o[0].dtype))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        module.ctc_loss(batch(torch.randn(1, 16000) * 0.1))
    assert seen == [torch.bfloat16]
