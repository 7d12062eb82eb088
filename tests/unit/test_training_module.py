import math

import lightning as L
import pytest
import torch
from torch.utils.data import DataLoader

from gru_asr.training.callbacks import SkippedUtterances
from gru_asr.training.module import CTCTrainingModule
from gru_asr.training.optim import time_budget_fraction
from tests.conftest import small_model_config


def batch(audio, text="hello"):
    tokens = torch.tensor([[ord(c) - ord("a") + 3 for c in text]])
    return {"ids": ["u"], "texts": [text], "audio": audio, "audio_lens": torch.tensor([audio.size(1)]),
            "tokens": tokens, "token_lens": torch.tensor([tokens.size(1)]), "skipped": [("bad1", "file not found")], "size": 1}


def fit(module, batches, steps, callbacks=()):
    trainer = L.Trainer(max_steps=steps, accelerator="cpu", logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False, limit_val_batches=0, callbacks=list(callbacks))
    trainer.fit(module, DataLoader(batches, batch_size=None, collate_fn=lambda x: x))
    return trainer


def optim_cfg():
    return {"name": "adamw", "lr": 1e-3, "scheduler": {"name": "constant"}}


def test_nonfinite_loss_is_counted_and_weights_stay_finite():
    torch.manual_seed(0)
    module = CTCTrainingModule(small_model_config(), optim_cfg())
    good = torch.randn(1, 16000) * 0.1
    bad = good.clone()
    bad[0, 100] = float("nan")
    before = {k: v.clone() for k, v in module.state_dict().items()}
    skipped = SkippedUtterances({"up_front": "empty transcript"})
    fit(module, [batch(bad)], steps=1, callbacks=[skipped])
    assert module.nonfinite.loss_batches == 1 and module.nonfinite.grad_steps == 1
    after = module.state_dict()
    assert all(torch.isfinite(v).all() for v in after.values() if v.is_floating_point())
    # the skipped step changed no weight
    assert all(torch.equal(before[k], after[k]) for k in before if "running" not in k and "num_batches" not in k)
    assert skipped.pooled() == {"up_front": "empty transcript", "bad1": "file not found"}


def test_ctc_loss_falls_on_a_tiny_overfit_set():
    torch.manual_seed(0)
    module = CTCTrainingModule(small_model_config(), {"name": "adamw", "lr": 3e-3, "scheduler": {"name": "constant"}})
    b = batch(torch.randn(1, 16000) * 0.1, "abc")
    with torch.no_grad():
        first = float(module.ctc_loss(b)[0])
    fit(module, [b] * 60, steps=60)
    module.eval()
    with torch.no_grad():
        last = float(module.ctc_loss(b)[0])
    assert last < 0.5 * first


def test_time_aware_cosine_anneals_by_whichever_runs_out_first():
    from gru_asr.training.optim import build_scheduler

    clock = {"fraction": 0.0}
    cfg = {"name": "warmup_cosine", "warmup_steps": 0, "min_lr_ratio": 0.1, "time_aware": True}
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = build_scheduler(opt, cfg, total_steps=1000, time_fraction=lambda: clock["fraction"])
    opt.step(), sched.step()
    assert abs(opt.param_groups[0]["lr"] - (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi / 1000)))) < 1e-9  # steps lead
    clock["fraction"] = 0.5  # half the time budget gone after 2 of 1000 steps
    opt.step(), sched.step()
    assert abs(opt.param_groups[0]["lr"] - 0.55) < 1e-9  # cosine at 50 %
    clock["fraction"] = 1.3  # over budget: the floor, never below it
    opt.step(), sched.step()
    assert abs(opt.param_groups[0]["lr"] - 0.1) < 1e-9
    # Without time_aware the clock is ignored.
    opt2 = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    plain = build_scheduler(opt2, {**cfg, "time_aware": False}, total_steps=1000, time_fraction=lambda: 1.0)
    opt2.step(), plain.step()
    assert opt2.param_groups[0]["lr"] > 0.99
    with pytest.raises(ValueError, match="max_time"):
        build_scheduler(opt, cfg, total_steps=10, time_fraction=None)


def test_time_fraction_reads_the_trainer_budget():
    module = CTCTrainingModule(small_model_config(), optim_cfg())
    b = batch(torch.randn(1, 16000) * 0.1, "abc")
    trainer = L.Trainer(max_steps=2, max_time={"seconds": 3600}, accelerator="cpu", logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False, limit_val_batches=0)
    trainer.fit(module, DataLoader([b] * 2, batch_size=None, collate_fn=lambda x: x))
    fraction = time_budget_fraction(trainer)
    assert fraction is not None and 0.0 < fraction() < 0.05
    no_budget = L.Trainer(max_steps=1, accelerator="cpu", logger=False, enable_checkpointing=False,
                          enable_progress_bar=False, enable_model_summary=False, limit_val_batches=0)
    module2 = CTCTrainingModule(small_model_config(), optim_cfg())
    no_budget.fit(module2, DataLoader([b], batch_size=None, collate_fn=lambda x: x))
    assert time_budget_fraction(no_budget) is None
