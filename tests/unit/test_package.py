import json
import pickle

import pytest
import torch
from safetensors.torch import save_file

from gru_asr.models import CTCModel
from gru_asr.packaging import PackageError, load_package, read_package_info, save_package
from tests.conftest import small_model_config


@pytest.fixture
def model():
    torch.manual_seed(0)
    m = CTCModel(small_model_config()).eval()
    m.frontend.set_stats(torch.randn(40), torch.rand(40) + 0.5)
    return m


def test_round_trip_gives_identical_outputs(model, tmp_path):
    path = save_package(model, tmp_path / "m.safetensors")
    again = load_package(path)
    wav = torch.randn(1, 16000) * 0.1
    lens = torch.tensor([16000])
    torch.testing.assert_close(model(wav, lens)[0], again(wav, lens)[0])
    assert torch.equal(again.frontend.feat_mean, model.frontend.feat_mean)
    info = read_package_info(path)
    assert info["config"]["encoder"]["name"] == "bigru"
    assert info["components"]["encoder"]["distribution"] == "gru_asr"


def test_tampered_weights_are_refused(model, tmp_path):
    path = save_package(model, tmp_path / "m.safetensors")
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF  # flip bits inside the last tensor
    path.write_bytes(bytes(data))
    with pytest.raises(PackageError, match="checksum mismatch"):
        load_package(path)


def test_unknown_component_names_the_plugin_to_install(model, tmp_path):
    path = save_package(model, tmp_path / "m.safetensors")
    from safetensors import safe_open

    with safe_open(str(path), "pt") as f:
        meta, tensors = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    comps = json.loads(meta["components"])
    comps["encoder"].update(name="conformer_x", distribution="gru-asr-conformer", version="1.2.0")
    meta["components"] = json.dumps(comps)
    save_file(tensors, str(path), metadata=meta)
    with pytest.raises(PackageError, match="gru-asr-conformer.*1.2.0"):
        load_package(path, verify=False)


def test_pickle_file_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    bad = tmp_path / "evil.safetensors"
    bad.write_bytes(pickle.dumps(Payload()))
    with pytest.raises(PackageError, match="not a gru_asr model package"):
        load_package(bad)
    assert not marker.exists()


def test_plain_safetensors_without_header_is_refused(tmp_path):
    path = tmp_path / "weights.safetensors"
    save_file({"w": torch.zeros(2)}, str(path))
    with pytest.raises(PackageError, match="no 'gru_asr.package' header"):
        load_package(path)


def test_checkpoint_averaging_is_the_mean_of_the_weights(tmp_path):
    from gru_asr.packaging.checkpoint import best_checkpoints, model_from_checkpoints

    cfg = small_model_config()
    states = []
    for i, wer in enumerate([0.30, 0.10, 0.20]):
        torch.manual_seed(i)
        m = CTCModel(cfg)
        states.append(m.state_dict())
        ckpt = {"hyper_parameters": {"model_config": cfg, "optim_config": {}}, "state_dict": {f"model.{k}": v for k, v in m.state_dict().items()}}
        torch.save(ckpt, tmp_path / f"epoch{i:03d}-wer{wer:.4f}.ckpt")
    best = best_checkpoints(tmp_path, 2)
    assert [p.name for p in best] == ["epoch001-wer0.1000.ckpt", "epoch002-wer0.2000.ckpt"]
    avg = model_from_checkpoints(best)
    key = "head.proj.weight"
    torch.testing.assert_close(avg.state_dict()[key], (states[1][key] + states[2][key]) / 2)


def test_checkpoint_with_pickled_code_is_refused(tmp_path):
    from gru_asr.packaging.checkpoint import read_checkpoint

    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    torch.save({"state_dict": {}, "evil": Payload()}, tmp_path / "evil.ckpt")
    with pytest.raises(PackageError, match="not a loadable training checkpoint"):
        read_checkpoint(tmp_path / "evil.ckpt")
    assert not marker.exists()


def test_package_from_a_newer_plugin_version_asks_for_an_upgrade(model, tmp_path):
    from gru_asr import __version__

    path = save_package(model, tmp_path / "m.safetensors")
    from safetensors import safe_open

    with safe_open(str(path), "pt") as f:
        meta, tensors = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    comps = json.loads(meta["components"])
    comps["encoder"]["version"] = "99.0.0"
    meta["components"] = json.dumps(comps)
    save_file(tensors, str(path), metadata=meta)
    with pytest.raises(PackageError, match=f"made with gru_asr 99.0.0, but {__version__} is installed"):
        load_package(path, verify=False)


def test_half_precision_package_is_smaller_and_transcribes_alike(tmp_path):
    from gru_asr.cli.main import main

    torch.manual_seed(0)
    cfg = small_model_config(hidden_size=64)  # big enough that the matrices dominate the file
    m = CTCModel(cfg).eval()
    m.frontend.set_stats(torch.randn(40), torch.rand(40) + 0.5)
    full = save_package(m, tmp_path / "full.safetensors")
    half = tmp_path / "half.safetensors"
    assert main(["package", str(full), "-o", str(half), "--dtype", "float16"]) == 0
    assert half.stat().st_size < 0.6 * full.stat().st_size
    assert read_package_info(half)["extra"]["weights_dtype"] == "float16"
    again = load_package(half)
    # The model computes in float32 whatever the storage type; statistics are kept exactly.
    assert all(p.dtype == torch.float32 for p in again.parameters())
    assert torch.equal(again.frontend.feat_mean, m.frontend.feat_mean)
    wav = torch.randn(2, 16000) * 0.1
    lens = torch.tensor([16000, 12000])
    ref, out = m(wav, lens)[0], again(wav, lens)[0]
    assert not torch.equal(ref, out)  # the weights really were rounded
    torch.testing.assert_close(out, ref, atol=2e-2, rtol=0)


def test_packages_average_like_checkpoints(tmp_path):
    from gru_asr.packaging.checkpoint import model_from_checkpoints

    cfg = small_model_config()
    paths, states = [], []
    for seed in (1, 2):
        torch.manual_seed(seed)
        m = CTCModel(cfg).eval()
        states.append(m.state_dict())
        paths.append(save_package(m, tmp_path / f"leg{seed}.safetensors"))
    avg = model_from_checkpoints(paths)
    key = "head.proj.weight"
    torch.testing.assert_close(avg.state_dict()[key], (states[0][key] + states[1][key]) / 2)
    other = small_model_config(hidden_size=8)
    paths.append(save_package(CTCModel(other), tmp_path / "other.safetensors"))
    with pytest.raises(PackageError, match="different model configs"):
        model_from_checkpoints(paths)


def test_package_can_mask_the_bands_above_a_cutoff_without_changing_the_weights(tmp_path):
    from gru_asr.cli.main import main

    torch.manual_seed(0)
    m = CTCModel(small_model_config()).eval()
    m.frontend.set_stats(torch.randn(40), torch.rand(40) + 0.5)
    plain = save_package(m, tmp_path / "plain.safetensors")
    masked_path = tmp_path / "masked.safetensors"
    assert main(["package", str(plain), "-o", str(masked_path), "--mask-above-hz", "5000"]) == 0
    masked = load_package(masked_path)
    assert read_package_info(masked_path)["config"]["frontend"]["mask_above_hz"] == 5000.0
    for key, value in m.state_dict().items():
        assert torch.equal(masked.state_dict()[key], value), key
    wav = torch.randn(1, 16000) * 0.1
    lens = torch.tensor([16000])
    feats = masked.frontend(wav, lens)[0]
    first = masked.frontend.first_masked_band
    assert first < 40 and feats[..., first:].abs().sum() == 0
    assert not torch.equal(masked(wav, lens)[0], m(wav, lens)[0])
    # A cutoff the front-end cannot apply is one line naming the flag, exit 2.
    assert main(["package", str(plain), "-o", str(tmp_path / "bad.safetensors"), "--mask-above-hz", "9000"]) == 2
    assert not (tmp_path / "bad.safetensors").exists()
