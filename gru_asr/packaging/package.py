"""The single-file model package.

A package is one safetensors file: the weights as tensors, and in the header's
string metadata the resolved model config, the provenance of every component
(registered name, pip distribution, version), library versions and a SHA-256
over config and weights. Reading it parses JSON and raw tensor bytes only:
nothing is unpickled and no module named by the file is imported. Components
are looked up by registered name in the registries of what the user installed.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save as st_save

from gru_asr.registry import RegistryError, get_registry, load_plugins
from gru_asr.utils.atomic_files import atomic_write_bytes

FORMAT = "gru_asr.package"
FORMAT_VERSION = 1


class PackageError(Exception):
    """A model package is missing, malformed, tampered with, or needs a plugin."""


# Tensor names and registered component names are plain identifiers joined by
# dots: anything else (a slash, "..", a NUL byte) in a package is an attack or
# corruption, never something a gru_asr writer produces.
_SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,199}")
# Config fields that name files: a package never ships such files, so a path in
# one that points outside the working folder can only be an attempt to make the
# loader read something else.
_FILE_FIELDS = re.compile(r"(^|_)(lm|lexicon|prior|path|file|dir)$")


# Storage types a package may hold its floating-point weights in. Loading always
# computes in the model's own float32 (``load_state_dict`` converts): float16 only
# halves the file, which is what a model shipped inside the package wants.
STORAGE_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def save_package(model, path: str | Path, extra: dict[str, Any] | None = None, dtype: str = "float32") -> Path:
    """Write ``model`` (a :class:`CTCModel`) to ``path`` atomically, its
    floating-point weights stored as ``dtype`` (one of :data:`STORAGE_DTYPES`)."""
    from gru_asr.version import __version__

    if dtype not in STORAGE_DTYPES:
        raise ValueError(f"storage dtype must be one of {', '.join(STORAGE_DTYPES)} (not {dtype!r})")
    path = Path(path)
    tensors = {k: _stored(v, STORAGE_DTYPES[dtype]) for k, v in model.state_dict().items()}
    if dtype != "float32":
        extra = {**(extra or {}), "weights_dtype": dtype}
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
            {"gru_asr": __version__, "torch": torch.__version__, "python": platform.python_version()}
        ),
        "extra": json.dumps(extra or {}, sort_keys=True),
    }
    meta["sha256"] = _digest(meta, tensors)
    atomic_write_bytes(path, st_save(tensors, metadata=meta))
    return path


def _stored(tensor: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    t = tensor.detach().cpu().contiguous().clone()
    # Small tensors (biases, norms, the feature statistics) stay float32: they are
    # a negligible share of the file, and rounded statistics would shift every feature.
    keep = not t.is_floating_point() or t.numel() < 1024 or dtype == torch.float32
    return t if keep else t.to(dtype)


def read_package_info(path: str | Path) -> dict[str, Any]:
    """Metadata of a package (config, components, versions), without building it."""
    meta, _ = _read(path, load_tensors=False)
    return _decode_meta(path, meta)


def load_package(path: str | Path, device: str | torch.device = "cpu", verify: bool = True):
    """Rebuild the :class:`CTCModel` stored in ``path`` (eval mode)."""
    from gru_asr.models import CTCModel

    meta, tensors = _read(path, load_tensors=True)
    info = _decode_meta(path, meta)
    _check_names(path, tensors, info)
    if verify and _digest(meta, tensors) != meta.get("sha256"):
        raise PackageError(f"{path}: checksum mismatch: the file was modified or is corrupt")
    _check_components(path, info["components"])
    try:
        model = CTCModel(info["config"])
        model.load_state_dict(tensors, strict=True)
    except (RegistryError, RuntimeError, KeyError, TypeError, ValueError, AttributeError, IndexError) as err:
        # A config that passed the checks above can still be inconsistent
        # (wrong field types, shapes that do not match the weights).
        raise PackageError(f"{path}: cannot rebuild the model: {str(err)[:300]}") from None
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
    try:
        version = int(meta.get("format_version", "0"))
    except ValueError:
        raise PackageError(f"{path}: malformed package metadata (format_version {meta.get('format_version')!r})") from None
    if version > FORMAT_VERSION:
        raise PackageError(
            f"{path}: package format {meta.get('format_version')} is newer than this gru_asr reads "
            f"({FORMAT_VERSION}); upgrade gru_asr"
        )
    return meta, tensors


def _decode_meta(path, meta: dict[str, str]) -> dict[str, Any]:
    try:
        info = {key: json.loads(meta[key]) for key in ("config", "components", "versions", "extra")}
    except (KeyError, json.JSONDecodeError, RecursionError) as err:
        raise PackageError(f"{path}: malformed package metadata ({str(err)[:200]})") from None
    for key in ("config", "components", "versions", "extra"):
        if not isinstance(info[key], dict):
            raise PackageError(f"{path}: malformed package metadata ({key} is not a JSON object)")
    if not all(isinstance(c, dict) and isinstance(c.get("kind"), str) and isinstance(c.get("name"), str)
               for c in info["components"].values()):
        raise PackageError(f"{path}: malformed package metadata (each component needs a kind and a name)")
    return info | {"sha256": meta.get("sha256", "")}


def _check_names(path, tensors: dict[str, torch.Tensor], info: dict[str, Any]) -> None:
    """Refuse names that no gru_asr writer produces before anything is built:
    tensor and component names that are not plain identifiers (path traversal,
    control characters) and file paths that escape the working folder."""
    for name in tensors:
        if not _SAFE_NAME.fullmatch(name) or ".." in name:
            raise PackageError(f"{path}: refused: unsafe tensor name {name[:80]!r} in the package")
    for key, comp in info["components"].items():
        for value in (key, comp["kind"], comp["name"]):
            if not _SAFE_NAME.fullmatch(value) or ".." in value:
                raise PackageError(f"{path}: refused: unsafe component name {value[:80]!r} in the package")
    for field, value in _file_references(info["config"]):
        p = Path(value)
        if p.is_absolute() or ".." in p.parts:
            raise PackageError(
                f"{path}: refused: the package config field {field} names the file {value[:120]!r} "
                "outside the working folder; a package never references files (pass an LM with --decoder)"
            )


def _file_references(config: Any, prefix: str = "") -> list[tuple[str, str]]:
    """(dotted field, value) for every string field whose name says it is a file."""
    found = []
    if isinstance(config, dict):
        for key, value in config.items():
            field = f"{prefix}{key}"
            if isinstance(value, str) and _FILE_FIELDS.search(str(key)):
                found.append((field, value))
            else:
                found += _file_references(value, field + ".")
    elif isinstance(config, list):
        for i, value in enumerate(config):
            found += _file_references(value, f"{prefix}{i}.")
    return found


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
    except (InvalidVersion, TypeError):  # a version that is not a string
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
