"""The weight average kept during training (``ema``, gru_asr/training/ema.py and its callback)."""

import lightning as L
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader

from gru_asr.models import CTCModel
from gru_asr.training.ema import ema_decay_at, frozen_copy, update_ema
from gru_asr.training.module import CTCTrainingModule
from tests.conftest import small_model_config
from tests.unit.test_training_module import batch, optim_cfg


def test_decay_follows_the_weights_closely_at_first_then_caps():
    assert ema_decay_at(0, 0.999) == pytest.approx(0.1)
    assert ema_decay_at(90, 0.999) == pytest.approx(91 / 100)
    assert ema_decay_at(100_000, 0.999) == 0.999


def test_update_is_the_exponential_average_and_copies_counters():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    shadow = frozen_copy(model)
    assert not any(p.requires_grad for p in shadow.parameters())
    old = {k: v.clone() for k, v in shadow.state_dict().items()}
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
        model(torch.randn(8, 3))  # moves the running statistics and the step counter
    update_ema(shadow, model, 0.75)
    new, cur = shadow.state_dict(), model.state_dict()
    for key in ["0.weight", "0.bias", "1.weight", "1.running_mean", "1.running_var"]:
        torch.testing.assert_close(new[key], 0.75 * old[key] + 0.25 * cur[key])
    assert int(new["1.num_batches_tracked"]) == int(cur["1.num_batches_tracked"]) == 1
    # the average is a copy: the model's own tensors are untouched by it
    assert not torch.equal(new["0.weight"], cur["0.weight"])


def fit(module, batches, steps, **trainer_args):
    trainer = L.Trainer(max_steps=steps, accelerator="cpu", logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False, limit_val_batches=0, **trainer_args)
    trainer.fit(module, DataLoader(batches, batch_size=None, collate_fn=lambda x: x))
    return trainer


def test_training_keeps_the_average_of_the_weights_after_each_step():
    torch.manual_seed(0)
    module = CTCTrainingModule(small_model_config(), optim_cfg(), ema_config={"decay": 0.5})
    b = batch(torch.randn(1, 16000) * 0.1, "abc")
    # Replay the run by hand: the average after n steps from the weights after each step.
    expected = {k: v.clone() for k, v in module.model.state_dict().items()}
    seen = []

    class Record(L.Callback):
        def on_train_batch_end(self, trainer, pl_module, *args):
            seen.append({k: v.clone() for k, v in pl_module.model.state_dict().items()})

    fit(module, [b] * 3, steps=3, callbacks=[Record()])
    for n, weights in enumerate(seen):
        d = ema_decay_at(n, 0.5)
        expected = {k: (d * expected[k] + (1 - d) * w) if w.is_floating_point() else w for k, w in weights.items()}
    for key, value in module.ema_model.state_dict().items():
        torch.testing.assert_close(value, expected[key], msg=key)
    assert module.weight_average.updates == 3
    # The average is never trained: the optimizer holds the model's parameters only.
    opt_params = {id(p) for g in module.trainer.optimizers[0].param_groups for p in g["params"]}
    assert opt_params == {id(p) for p in module.model.parameters()}


def test_validation_measures_the_average_and_the_trained_weights():
    torch.manual_seed(0)
    module = CTCTrainingModule(small_model_config(), optim_cfg(), ema_config={"decay": 0.9})
    b = batch(torch.randn(1, 16000) * 0.1, "abc")
    trainer = L.Trainer(max_steps=2, accelerator="cpu", logger=False, enable_checkpointing=False,
                        enable_progress_bar=False, enable_model_summary=False, num_sanity_val_steps=0)
    loader = DataLoader([b] * 2, batch_size=None, collate_fn=lambda x: x)
    trainer.fit(module, loader, loader)
    logged = trainer.callback_metrics
    module.eval()
    with torch.no_grad():
        raw_loss = float(module.ctc_loss(b)[0])
        ema_loss = float(module.ctc_loss(b, module.ema_model)[0])
    assert raw_loss != pytest.approx(ema_loss)
    assert float(logged["val_loss"]) == pytest.approx(ema_loss, rel=1e-5)
    assert float(logged["val_raw_loss"]) == pytest.approx(raw_loss, rel=1e-5)
    assert "val_raw_wer" in logged


def test_without_ema_nothing_is_kept_or_logged():
    module = CTCTrainingModule(small_model_config(), optim_cfg())
    assert module.ema_model is None and not any(k.startswith("ema_model.") for k in module.state_dict())


@pytest.mark.parametrize("bad, message", [({"decay": 1.0}, "between 0 and 1"), ({"decay": 0.9, "start": 5}, "a mapping like"),
                                          ({"deacy": 0.9}, "a mapping like"), ({}, "a mapping like"), (0.999, "a mapping like")])
def test_bad_ema_settings_are_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        CTCTrainingModule(small_model_config(), optim_cfg(), ema_config=bad)


def test_checkpoint_averaging_takes_the_weight_average_of_an_ema_run(tmp_path):
    from gru_asr.packaging.checkpoint import model_from_checkpoints
    from gru_asr.packaging.package import PackageError

    cfg = small_model_config()
    torch.manual_seed(0)
    trained, average = CTCModel(cfg).state_dict(), CTCModel(cfg).state_dict()
    state = {**{f"model.{k}": v for k, v in trained.items()}, **{f"ema_model.{k}": v for k, v in average.items()}}
    torch.save({"hyper_parameters": {"model_config": cfg}, "state_dict": state}, tmp_path / "ema.ckpt")
    model = model_from_checkpoints([tmp_path / "ema.ckpt"])
    key = "head.proj.weight"
    torch.testing.assert_close(model.state_dict()[key], average[key])
    torch.save({"hyper_parameters": {"model_config": cfg}, "state_dict": {f"model.{k}": v for k, v in trained.items()}},
               tmp_path / "plain.ckpt")
    with pytest.raises(PackageError, match="mix runs with and without"):
        model_from_checkpoints([tmp_path / "ema.ckpt", tmp_path / "plain.ckpt"])


def test_the_average_restarts_from_the_model_with_its_normalization_statistics():
    module = CTCTrainingModule(small_model_config(), optim_cfg(), ema_config={"decay": 0.9})
    module.model.frontend.set_stats(torch.full((module.model.frontend.feature_dim,), 2.0),
                                    torch.full((module.model.frontend.feature_dim,), 3.0))
    module.weight_average.updates = 5
    module.restart_ema()
    for key, value in module.model.state_dict().items():
        assert torch.equal(module.ema_model.state_dict()[key], value), key
    assert module.weight_average.updates == 0


def test_accumulated_gradients_update_the_average_once_per_optimizer_step():
    torch.manual_seed(0)
    module = CTCTrainingModule(small_model_config(), optim_cfg(), ema_config={"decay": 0.9})
    b = batch(torch.randn(1, 16000) * 0.1, "abc")
    trainer = fit(module, [b] * 4, steps=2, accumulate_grad_batches=2)
    assert trainer.global_step == 2 and module.weight_average.updates == 2


def test_resuming_with_the_average_switched_on_or_off(tmp_path):
    """A checkpoint of a run without ema resumes with it (the average starts
    from its weights), and one with it resumes without it (the average is dropped)."""
    torch.manual_seed(0)
    plain = CTCTrainingModule(small_model_config(), optim_cfg())
    with_ema = CTCTrainingModule(small_model_config(), optim_cfg(), ema_config={"decay": 0.9})
    ckpt = {"state_dict": {k: v.clone() for k, v in plain.state_dict().items()}}
    with_ema.on_load_checkpoint(ckpt)
    with_ema.load_state_dict(ckpt["state_dict"], strict=True)
    for key, value in plain.model.state_dict().items():
        assert torch.equal(with_ema.ema_model.state_dict()[key], value), key
    with_ema.weight_average.updates = 7
    with_ema.weight_average.on_load_checkpoint(None, with_ema, ckpt)
    assert with_ema.weight_average.updates == 0  # a new average counts from the start

    ckpt = {"state_dict": {k: v.clone() for k, v in with_ema.state_dict().items()}, "gru_asr": {"ema_updates": 7}}
    plain2 = CTCTrainingModule(small_model_config(), optim_cfg())
    plain2.on_load_checkpoint(ckpt)
    plain2.load_state_dict(ckpt["state_dict"], strict=True)
    assert plain2.ema_model is None


def test_half_precision_weights_are_refused_before_any_data_is_read(tmp_path):
    from pathlib import Path

    from hydra import compose, initialize_config_dir

    from gru_asr.training.train import train

    conf = Path(__file__).resolve().parents[2] / "conf"
    with initialize_config_dir(config_dir=str(conf), version_base="1.3"):
        cfg = compose("train", overrides=[f"exp_dir={tmp_path}", "trainer.precision=bf16-true", "ema={decay: 0.9}",
                                          f"data.train={tmp_path}/missing.jsonl"])
    with pytest.raises(ValueError, match="needs float32 weights"):
        train(cfg)
