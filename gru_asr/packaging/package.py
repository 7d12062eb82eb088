"""The single-file model package.

A package is one safetensors file: the weights as tensors, and in the header's
string metadata the resolved model config, the provenance of every component
(registered name, pip distribution, version), library versions and a SHA-256
over config and weights. Reading it parses JSON and raw tensor bytes only:
nothing is unpickled and no module named by the file is imported. Components
are looked up by registered name in the registries of what the user installed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import tempfile
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save as st_save

from gru_asr.registry import RegistryError, get_registry, load_plugins

FORMAT = "gru_asr.package"
FORMAT_VERSION = 1


class PackageError(Exception):
    """A model package is missing, malformed, tampered with, or needs a plugin."""


def save_package(model, path: str | Path, extra: dict[str, Any] | None = None) -> Path:
    """Write ``model`` (a :class:`CTCModel`) to ``path`` atomically."""
    import gru_asr

    path = Path(path)
    tensors = {k: v.detach().cpu().contiguous().clone() for k, v in model.state_dict().items()}
    components = {}
    for key, name in model.component_names().items():
        kind = key.split(".")[0]
        kind = "augmentation" if kind == "augment" else kind
        info = get_registry(kind).info(name)
        components[key] = {"kind": kind, "name": name, "distribution": info.distribution, "version": info.version}
    meta = {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "config": json.dumps(model.config, sort_keys=True),
        "components": json.dumps(components, sort_keys=True),
        "versions": json.dumps(
            {"gru_asr": gru_asr.__version__, "torch": torch.__version__, "python": platform.python_version()}
        ),
        "extra": json.dumps(extra or {}, sort_keys=True),
    }
    meta["sha256"] = _digest(meta, tensors)
    atomic_write_bytes(path, st_save(tensors, metadata=meta))
    return path


def read_package_info(path: str | Path) -> dict[str, Any]:
    """Metadata of a package (config, components, versions), without building it."""
    meta, _ = _read(path, load_tensors=False)
    return _decode_meta(path, meta)


def load_package(path: str | Path, device: str | torch.device = "cpu", verify: bool = True):
    """Rebuild the :class:`CTCModel` stored in ``path`` (eval mode)."""
    from gru_asr.models import CTCModel

    meta, tensors = _read(path, load_tensors=True)
    info = _decode_meta(path, meta)
    if verify and _digest(meta, tensors) != meta.get("sha256"):
        raise PackageError(f"{path}: checksum mismatch: the file was modified or is corrupt")
    _check_components(path, info["components"])
    try:
        model = CTCModel(info["config"])
        model.load_state_dict(tensors, strict=True)
    except (RegistryError, RuntimeError, KeyError, TypeError, ValueError) as err:
        raise PackageError(f"{path}: cannot rebuild the model: {err}") from None
    return model.to(device).eval()


def _read(path: str | Path, load_tensors: bool) -> tuple[dict[str, str], dict[str, torch.Tensor]]:
    path = Path(path)
    if not path.is_file():
        raise PackageError(f"{path}: model file not found")
    try:
        with safe_open(str(path), framework="pt", device="cpu") as f:
            meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()} if load_tensors else {}
    except PackageError:
        raise
    except Exception as err:  # noqa: BLE001 - safetensors raises several error types
        raise PackageError(
            f"{path}: not a gru_asr model package (safetensors could not read it: {str(err)[:200]})"
        ) from None
    if meta.get("format") != FORMAT:
        raise PackageError(f"{path}: not a gru_asr model package (no '{FORMAT}' header)")
    if int(meta.get("format_version", "0")) > FORMAT_VERSION:
        raise PackageError(
            f"{path}: package format {meta.get('format_version')} is newer than this gru_asr reads "
            f"({FORMAT_VERSION}); upgrade gru_asr"
        )
    return meta, tensors


def _decode_meta(path, meta: dict[str, str]) -> dict[str, Any]:
    try:
        return {
            key: json.loads(meta[key]) for key in ("config", "components", "versions", "extra")
        } | {"sha256": meta.get("sha256", "")}
    except (KeyError, json.JSONDecodeError) as err:
        raise PackageError(f"{path}: malformed package metadata ({err})") from None


def _check_components(path, components: dict[str, dict]) -> None:
    """Every component must be registered by an installed distribution."""
    load_plugins()
    for key, comp in components.items():
        try:
            registry = get_registry(comp["kind"])
        except (RegistryError, KeyError):
            raise PackageError(f"{path}: unknown component kind in package: {comp!r}") from None
        dist, ver = comp.get("distribution", "?"), comp.get("version", "?")
        if comp["name"] not in registry:
            raise PackageError(
                f"{path}: this model needs the {comp['kind']} {comp['name']!r}, provided by the "
                f"plugin package '{dist}' (version {ver}); install it (pip install '{dist}>={ver}') and retry"
            )
        installed = registry.info(comp["name"])
        if installed.distribution == dist and _older(installed.version, ver):
            raise PackageError(
                f"{path}: this model was made with {dist} {ver}, but {installed.version} is installed; "
                f"upgrade it (pip install '{dist}>={ver}') and retry"
            )


def _older(installed: str, required: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(installed) < Version(required)
    except InvalidVersion:
        return False


def _digest(meta: dict[str, str], tensors: dict[str, torch.Tensor]) -> str:
    h = hashlib.sha256()
    for key in sorted(k for k in meta if k != "sha256"):
        h.update(f"{key}={meta[key]}\n".encode())
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}\n".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, fsync, then rename over it:
    a crash or a full disk never leaves a half-written file under ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):  # the temporary file may not exist yet
            os.unlink(tmp)
        raise
