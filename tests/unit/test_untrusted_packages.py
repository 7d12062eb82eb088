"""Untrusted model packages: a tampered hash, a pickle payload, a path-traversal
name or an unknown component is refused with a clear message, and nothing from
the file is executed or imported."""

import json
import pickle
import sys

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from gru_asr.models import CTCModel
from gru_asr.packaging import PackageError, load_package, read_package_info, save_package
from gru_asr.packaging.package import _digest
from tests.conftest import small_model_config


@pytest.fixture
def package(tmp_path):
    torch.manual_seed(0)
    return save_package(CTCModel(small_model_config()).eval(), tmp_path / "m.safetensors")


def rewrite(path, edit_meta=None, edit_tensors=None, rehash=True):
    """Re-save a package with edited metadata/tensors; ``rehash`` recomputes the
    SHA-256 as an attacker would (the checksum is integrity, not a signature)."""
    with safe_open(str(path), "pt") as f:
        meta, tensors = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    if edit_meta:
        edit_meta(meta)
    if edit_tensors:
        edit_tensors(tensors)
    if rehash:
        meta["sha256"] = _digest(meta, tensors)
    save_file(tensors, str(path), metadata=meta)


def test_tampered_hash_is_refused(package):
    rewrite(package, edit_meta=lambda m: m.update(sha256="0" * 64), rehash=False)
    with pytest.raises(PackageError, match="checksum mismatch: the file was modified or is corrupt"):
        load_package(package)


def test_tampered_config_without_a_new_hash_is_refused(package):
    def grow(meta):
        cfg = json.loads(meta["config"])
        cfg["encoder"]["hidden_size"] = 17
        meta["config"] = json.dumps(cfg)

    rewrite(package, edit_meta=grow, rehash=False)
    with pytest.raises(PackageError, match="checksum mismatch"):
        load_package(package)


def test_pickle_payload_is_refused_and_never_run(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    for name, blob in [("evil.safetensors", pickle.dumps(Payload())),
                       ("evil.pt", pickle.dumps({"state_dict": Payload()}))]:
        (tmp_path / name).write_bytes(blob)
        with pytest.raises(PackageError, match="not a gru_asr model package"):
            load_package(tmp_path / name)
        with pytest.raises(PackageError):
            read_package_info(tmp_path / name)
    assert not marker.exists()


def test_a_torch_checkpoint_is_not_accepted_as_a_package(tmp_path):
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    torch.save({"state_dict": {}, "x": Payload()}, tmp_path / "model.safetensors")
    with pytest.raises(PackageError, match="not a gru_asr model package"):
        load_package(tmp_path / "model.safetensors")
    assert not marker.exists()


@pytest.mark.parametrize("name", ["../../etc/passwd", "/abs/weight", "encoder/../../x", "a\x00b", "..", "w\nx"])
def test_path_traversal_tensor_names_are_refused(package, name):
    rewrite(package, edit_tensors=lambda t: t.update({name: torch.zeros(1)}))
    with pytest.raises(PackageError, match="refused: unsafe tensor name"):
        load_package(package)


def test_path_traversal_component_names_are_refused(package):
    def evil(meta):
        comps = json.loads(meta["components"])
        comps["encoder"]["name"] = "../../plugins/evil"
        meta["components"] = json.dumps(comps)

    rewrite(package, edit_meta=evil)
    with pytest.raises(PackageError, match="refused: unsafe component name '../../plugins/evil'"):
        load_package(package)


@pytest.mark.parametrize("value", ["../../../etc/shadow", "/etc/passwd"])
def test_config_pointing_at_files_outside_is_refused(package, value):
    def point(meta):
        cfg = json.loads(meta["config"])
        cfg["decoder"] = {"name": "beam_lm", "lm": value, "lexicon": None}
        meta["config"] = json.dumps(cfg)

    rewrite(package, edit_meta=point)
    with pytest.raises(PackageError, match="refused: the package config field decoder.lm names the file"):
        load_package(package)


def test_unknown_component_is_refused_and_nothing_is_imported(package, tmp_path):
    marker = tmp_path / "imported"
    module_name = "gru_asr_evil_plugin_xyz"
    # A module of that name exists on sys.path: loading must still not import it.
    (tmp_path / f"{module_name}.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    sys.path.insert(0, str(tmp_path))
    try:
        def unknown(meta):
            comps = json.loads(meta["components"])
            comps["encoder"].update(name=module_name, distribution=module_name, version="1.0")
            meta["components"] = json.dumps(comps)
            cfg = json.loads(meta["config"])
            cfg["encoder"]["name"] = module_name
            meta["config"] = json.dumps(cfg)

        rewrite(package, edit_meta=unknown)
        with pytest.raises(PackageError, match=f"needs the encoder '{module_name}'.*pip install"):
            load_package(package)
    finally:
        sys.path.remove(str(tmp_path))
    assert module_name not in sys.modules and not marker.exists()


def test_unknown_component_kind_is_refused(package):
    def kind(meta):
        comps = json.loads(meta["components"])
        comps["encoder"]["kind"] = "os_system"
        meta["components"] = json.dumps(comps)

    rewrite(package, edit_meta=kind)
    with pytest.raises(PackageError, match="unknown component kind"):
        load_package(package)


@pytest.mark.parametrize("edit", [
    lambda m: m.update(format_version="one"),
    lambda m: m.update(config="[1, 2]"),
    lambda m: m.update(components='{"encoder": 5}'),
    lambda m: m.update(config="[" * 100000 + "]" * 100000),
])
def test_malformed_metadata_is_a_package_error(package, edit):
    rewrite(package, edit_meta=edit)
    with pytest.raises(PackageError, match="malformed package metadata"):
        load_package(package)


def test_an_unparsable_plugin_version_is_not_a_crash(package):
    def version(meta):
        comps = json.loads(meta["components"])
        comps["encoder"]["version"] = [1, 2]  # a TypeError used to escape the version check
        meta["components"] = json.dumps(comps)

    rewrite(package, edit_meta=version)
    assert isinstance(load_package(package), CTCModel)  # like an invalid version string: not compared
