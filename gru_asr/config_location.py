"""Where Hydra finds gru_asr's own configs (``train.yaml`` and its groups).

Stdlib only: the Hydra search-path plugin imports this in every Hydra program of the
environment, so it must stay cheap.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

ENV_VAR = "GRU_ASR_CONF"


class ConfigLocationError(RuntimeError):
    """No folder with gru_asr's train.yaml: a broken install or a wrong $GRU_ASR_CONF."""


def config_dir() -> Path:
    """The primary config folder, first found of:

    1. ``$GRU_ASR_CONF`` (a folder with ``train.yaml``), for users who keep a full copy;
    2. the package data ``gru_asr/conf`` that a wheel install carries (setup.py maps the
       repository's ``conf/`` there);
    3. the checkout's top-level ``conf/``, for an editable install.

    Users' own config groups go on top with ``--config-dir`` (Hydra's flag), not here.
    """
    env = os.environ.get(ENV_VAR)
    if env:
        if not (Path(env) / "train.yaml").is_file():
            raise ConfigLocationError(f"{ENV_VAR}={env}: no train.yaml in that folder")
        return Path(env).resolve()
    spec = importlib.util.find_spec("gru_asr")
    package = Path(spec.origin).parent if spec and spec.origin else Path(__file__).parent
    for candidate in (package / "conf", package.parent / "conf"):
        if (candidate / "train.yaml").is_file():
            return candidate.resolve()
    raise ConfigLocationError(
        f"cannot find gru_asr's conf/ (looked in {package / 'conf'} and {package.parent / 'conf'}); "
        f"reinstall gru_asr or set {ENV_VAR} to a folder with train.yaml"
    )


def is_gru_asr_search_path(path: str) -> bool:
    """True when a Hydra search-path entry (``file://...`` or a bare path) is our config folder."""
    try:
        ours = config_dir()
    except ConfigLocationError:
        return False
    bare = path[len("file://"):] if path.startswith("file://") else path
    try:
        return Path(bare).resolve() == ours
    except OSError:
        return False
