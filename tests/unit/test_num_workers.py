"""``data.num_workers``: ``auto`` follows the CPUs this process may use; a number is kept."""

from pathlib import Path

import pytest
import torch
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from gru_asr.schemas import ConfigError
from gru_asr.training.data import build_loader, resolve_num_workers, usable_cpus

ROOT = Path(__file__).resolve().parents[2]


def test_auto_uses_no_worker_on_one_or_two_cpus():
    for cpus in (1, 2):
        n, why = resolve_num_workers("auto", cpus=cpus)
        assert n == 0
        # the line names the choice, the CPU count, the reason and the override
        assert why.startswith(f"data.num_workers=auto: 0 loader processes on {cpus} CPUs")
        assert f"{torch.get_num_threads()} training threads" in why
        assert "set data.num_workers=N to override" in why


def test_auto_uses_workers_on_many_cpus():
    n, why = resolve_num_workers("auto", cpus=16)
    assert n == 4 and "4 loader processes on 16 CPUs" in why
    assert resolve_num_workers("auto", cpus=3)[0] == 1  # half the CPUs, rounded down
    assert resolve_num_workers("auto", cpus=6)[0] == 3
    assert resolve_num_workers("AUTO ", cpus=16)[0] == 4


def test_auto_defaults_to_this_process_affinity():
    assert resolve_num_workers("auto") == resolve_num_workers("auto", cpus=usable_cpus())


@pytest.mark.parametrize("value", [0, 1, 3, 12, "2"])
def test_a_number_is_kept(value):
    for cpus in (1, 2, 16):
        assert resolve_num_workers(value, cpus=cpus) == (int(value), None)


def test_missing_means_in_process():
    assert resolve_num_workers(None) == (0, None)


@pytest.mark.parametrize("value", ["four", -1, 1.5, True, [2], ""])
def test_bad_value_names_the_field(value):
    with pytest.raises(ConfigError, match=r"^data\.num_workers: expected 'auto' or a whole number"):
        resolve_num_workers(value)


def test_shipped_data_default_is_auto():
    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose("train")
    assert cfg.data.num_workers == "auto"


def test_bad_value_is_refused_with_the_training_data():
    """train() builds the training dataset before it writes in exp_dir, the loaders after:
    a bad value must be refused at the first."""
    from gru_asr.models import CTCModel
    from gru_asr.training.data import build_dataset
    from gru_asr.training.train import model_config_from

    with initialize_config_dir(config_dir=str(ROOT / "conf"), version_base="1.3"):
        cfg = compose("train", overrides=["data.num_workers=four"])
    model = CTCModel(model_config_from(cfg))
    data_cfg = OmegaConf.to_container(cfg.data, resolve=True)
    with pytest.raises(ConfigError, match="data.num_workers"):
        build_dataset(model, [], data_cfg, train=True)
    build_dataset(model, [], {**data_cfg, "num_workers": "auto"}, train=True)


@pytest.mark.filterwarnings("ignore:This DataLoader will create")  # 4 workers asked for on a small machine; none start
def test_loader_resolves_auto_and_says_so(tmp_path, capsys, monkeypatch):
    """build_loader turns auto into a worker count, and the training loader prints why."""
    import gru_asr.training.data as data

    class Dataset(torch.utils.data.Dataset):
        durations = [1.0] * 4

        def __len__(self):
            return 4

        def __getitem__(self, i):
            return i

    cfg = OmegaConf.to_container(OmegaConf.create({"batch_seconds": 2, "num_workers": "auto"}))
    for cpus, expected in ((2, 0), (16, 4)):
        monkeypatch.setattr(data, "usable_cpus", lambda cpus=cpus: cpus)
        loader = build_loader(Dataset(), cfg, train=True, seed=0)
        assert loader.num_workers == expected and loader.persistent_workers == (expected > 0)
        assert f"data.num_workers=auto: {expected} loader processes on {cpus} CPUs" in capsys.readouterr().out
    build_loader(Dataset(), cfg, train=False, seed=0)  # dev loaders resolve it too, silently
    build_loader(Dataset(), cfg, train=True, seed=0, world_size=2, rank=1)  # and other ranks
    assert capsys.readouterr().out == ""
