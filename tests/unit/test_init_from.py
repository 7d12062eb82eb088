"""init_from: a run starts from another model's weights (package or checkpoint), or is
refused with one line naming init_from when they do not fit."""

from __future__ import annotations

import pytest
import torch

from gru_asr.models import CTCModel
from gru_asr.packaging import save_package
from gru_asr.schemas import ConfigError
from gru_asr.training.init_from import load_initial_weights
from tests.conftest import small_model_config


def trained_looking(cfg: dict, seed: int) -> CTCModel:
    torch.manual_seed(seed)
    model = CTCModel(cfg)
    with torch.no_grad():
        for p in model.parameters():
            p.normal_()
    dim = model.frontend.feature_dim
    model.frontend.set_stats(torch.full((dim,), 1.5), torch.full((dim,), 2.5))
    return model.eval()


def test_weights_and_normalization_statistics_come_from_a_package(tmp_path):
    source = trained_looking(small_model_config(), seed=1)
    path = save_package(source, tmp_path / "model.safetensors")
    target = CTCModel(small_model_config())
    said = load_initial_weights(target, path)
    assert str(path) in said
    for key, value in source.state_dict().items():
        assert torch.equal(target.state_dict()[key], value), key


def test_weights_come_from_a_training_checkpoint(tmp_path):
    source = trained_looking(small_model_config(), seed=2)
    ckpt = tmp_path / "epoch001.ckpt"
    torch.save({"state_dict": {f"model.{k}": v for k, v in source.state_dict().items()},
                "hyper_parameters": {"model_config": small_model_config()}}, ckpt)
    target = CTCModel(small_model_config())
    load_initial_weights(target, ckpt)
    for key, value in source.state_dict().items():
        assert torch.equal(target.state_dict()[key], value), key


@pytest.mark.parametrize("change, needle", [
    ({"hidden_size": 24}, "do not fit this model (shape of encoder"),
    ({"num_layers": 3}, "do not fit this model (missing encoder"),
])
def test_a_model_of_other_sizes_is_refused_naming_the_field(tmp_path, change, needle):
    path = save_package(trained_looking(small_model_config(), seed=3), tmp_path / "model.safetensors")
    target = CTCModel(small_model_config(**change))
    before = {k: v.clone() for k, v in target.state_dict().items()}
    with pytest.raises(ConfigError, match=r"^init_from=.*model\.safetensors: ") as err:
        load_initial_weights(target, path)
    assert needle in str(err.value)
    assert all(torch.equal(target.state_dict()[k], v) for k, v in before.items())  # untouched


def test_another_tokenizer_is_refused(tmp_path):
    path = save_package(trained_looking(small_model_config(), seed=4), tmp_path / "model.safetensors")
    cfg = small_model_config()
    cfg["tokenizer"] = {"name": "char", "symbols": list("abc '")}
    with pytest.raises(ConfigError, match="its tokenizer .* is not this model's"):
        load_initial_weights(CTCModel(cfg), path)


@pytest.mark.parametrize("content", [None, b"", b"not a model"])
def test_a_missing_or_unreadable_file_is_one_error_naming_init_from(tmp_path, content):
    path = tmp_path / "model.safetensors"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ConfigError, match=r"^init_from=") as err:
        load_initial_weights(CTCModel(small_model_config()), path)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("resume, checkpoint_there, takes_init", [
    (None, False, True),
    ("last", False, True),   # a recipe's first try of a stage: no checkpoint yet, so init_from
    ("last", True, False),   # an interrupted second leg continues from its own checkpoint
])
def test_init_from_unless_a_checkpoint_is_resumed(tmp_path, monkeypatch, resume, checkpoint_there, takes_init):
    from omegaconf import OmegaConf

    from gru_asr.training import train as train_module
    from gru_asr.training.module import CTCTrainingModule

    source = trained_looking(small_model_config(), seed=5)
    path = save_package(source, tmp_path / "model.safetensors")
    exp = tmp_path / "exp"
    if checkpoint_there:
        (exp / "checkpoints").mkdir(parents=True)
        torch.save({"state_dict": {}}, exp / "checkpoints" / "last.ckpt")
    stats = []
    monkeypatch.setattr(train_module, "compute_normalization_stats", lambda *a, **k: stats.append(1))
    module = CTCTrainingModule(small_model_config(), {"name": "adamw", "lr": 1e-3})
    cfg = OmegaConf.create({"init_from": str(path), "exp_dir": str(exp), "seed": 0})
    train_module.set_initial_weights(module, cfg, train_set=None, data_cfg={}, resume=resume)
    same = all(torch.equal(module.model.state_dict()[k], v) for k, v in source.state_dict().items())
    assert same == takes_init and bool(stats) == (not takes_init)
