"""Build models from Lightning training checkpoints (optionally averaged)."""

from __future__ import annotations

import copy
import dataclasses
import re
import zipfile
from pathlib import Path

import torch

from gru_asr.models import CTCModel
from gru_asr.packaging.package import PackageError


def read_checkpoint(path: str | Path) -> dict:
    """A training checkpoint, loaded without unpickling arbitrary objects."""
    if Path(path).is_file() and Path(path).stat().st_size == 0:
        raise PackageError(f"{path}: the checkpoint file is empty")
    try:
        return torch.load(str(path), map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise PackageError(f"{path}: checkpoint not found") from None
    except Exception as err:  # noqa: BLE001 - torch raises several types for bad files
        # Some (EOFError of a truncated file) have no message at all.
        cause = (str(err).strip().splitlines() or [type(err).__name__])[0][:200]
        if not zipfile.is_zipfile(path):  # torch.save (and Lightning) write a zip archive
            cause = "not a PyTorch checkpoint: the file is not the zip archive torch.save writes"
        elif cause.startswith("Weights only load failed"):  # torch's advice to unpickle anything: not given
            cause = "it holds objects other than tensors and plain values, which are not unpickled"
        raise PackageError(f"{path}: not a loadable training checkpoint ({cause})") from None


def model_from_checkpoints(paths: list[str | Path]) -> CTCModel:
    """The model of one checkpoint, or the element-wise mean of several
    checkpoints' weights (they must come from the same config). From a run
    with ``ema`` the weight average is taken, not the trained weights. Model
    packages (``.safetensors``) count as checkpoints too, e.g. to average the
    final models of two legs of training or to store one in half precision."""
    if not paths:
        raise ValueError("no checkpoints given")
    ckpts = [_package_as_checkpoint(p) if str(p).endswith(".safetensors") else read_checkpoint(p) for p in paths]
    configs = [c.get("hyper_parameters", {}).get("model_config") for c in ckpts]
    if configs[0] is None:
        raise PackageError(f"{paths[0]}: checkpoint has no model_config (not written by gru-asr train)")
    if any(c != configs[0] for c in configs[1:]):
        raise PackageError("checkpoints to average come from different model configs")
    # A run with ema ranked its checkpoints by the weight average
    # (``ema_model.*``), so that is what is averaged and packaged.
    prefixes = ["ema_model." if any(k.startswith("ema_model.") for k in c["state_dict"]) else "model." for c in ckpts]
    if len(set(prefixes)) > 1:
        raise PackageError("checkpoints to average mix runs with and without ema")
    prefix = prefixes[0]
    states = [{k[len(prefix):]: v for k, v in c["state_dict"].items() if k.startswith(prefix)} for c in ckpts]
    averaged = {}
    for key, value in states[0].items():
        if value.is_floating_point():
            averaged[key] = sum(s[key].double() for s in states).div(len(states)).to(value.dtype)
        else:
            averaged[key] = value  # counters (BatchNorm's num_batches_tracked) are not averaged
    model = CTCModel(configs[0])
    model.load_state_dict(averaged, strict=True)
    return model.eval()


def mask_bands_above(model: CTCModel, hz: float) -> CTCModel:
    """The same weights with the front-end's ``mask_above_hz`` set to ``hz`` (see
    :class:`~gru_asr.frontends.logmel.LogMelFrontend`): the bands keep their places, so
    the trained weights load unchanged; only the features above ``hz`` are set to the
    training mean, as they would be for a model trained with the mask."""
    from gru_asr.frontends.base import FRONTENDS
    from gru_asr.schemas import schema_for

    config = copy.deepcopy(model.config)
    name = config["frontend"]["name"]
    if "mask_above_hz" not in {f.name for f in dataclasses.fields(schema_for(FRONTENDS.get(name)))}:
        raise PackageError(f"--mask-above-hz: the model's front-end {name!r} has no mask_above_hz option (logmel has)")
    config["frontend"]["mask_above_hz"] = float(hz)
    try:
        masked = CTCModel(config)
    except ValueError as err:
        raise PackageError(f"--mask-above-hz: {err}") from None
    masked.load_state_dict(model.state_dict(), strict=True)
    return masked.eval()


def _package_as_checkpoint(path: str | Path) -> dict:
    """A model package in the shape of a training checkpoint (weights in float32)."""
    from gru_asr.packaging.package import load_package, read_package_info

    model = load_package(path)
    return {"hyper_parameters": {"model_config": read_package_info(path)["config"]},
            "state_dict": {f"model.{k}": v for k, v in model.state_dict().items()}}


def best_checkpoints(folder: str | Path, n: int) -> list[Path]:
    """The ``n`` checkpoints with the lowest dev WER, read from the file names
    that training writes (``epochNNN-wer0.1234.ckpt``)."""
    folder = Path(folder)
    if not folder.exists():
        raise PackageError(f"{folder}: checkpoints folder not found")
    if not folder.is_dir():
        raise PackageError(f"{folder}: not a folder (--best takes the run's checkpoints folder)")
    found = sorted(folder.glob("*.ckpt"))
    if not found:
        raise PackageError(f"{folder}: no checkpoints (*.ckpt) in the folder")
    scored = []
    for p in found:
        m = re.search(r"wer([0-9]+(?:\.[0-9]+)?)", p.name)
        if m:
            scored.append((float(m.group(1)), p.name, p))
    if not scored:
        raise PackageError(f"{folder}: no checkpoints named with their WER (epochNNN-wer0.1234.ckpt); "
                           f"name the checkpoints to package instead of --best")
    return [p for _, _, p in sorted(scored)[:n]]
