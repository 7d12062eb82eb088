"""``gru-asr train``: Hydra entry point over ``conf/train.yaml``."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def config_dir() -> Path:
    """The ``conf/`` tree: $GRU_ASR_CONF, else the checkout's top-level ``conf/``."""
    env = os.environ.get("GRU_ASR_CONF")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[2] / "conf")
    for c in candidates:
        if (c / "train.yaml").is_file():
            return c
    raise SystemExit("cannot find the gru_asr conf/ folder; set GRU_ASR_CONF to it")


def train_main(argv: list[str]) -> int:
    import hydra
    from omegaconf import DictConfig

    from gru_asr.registry import import_local_plugin, plugin_config_dirs

    argv = list(argv)
    while "--plugin" in argv:  # --plugin my_module: import a local module that registers components
        i = argv.index("--plugin")
        if i + 1 >= len(argv):
            raise SystemExit("--plugin needs a module name")
        import_local_plugin(argv[i + 1])
        del argv[i : i + 2]
    from gru_asr.schemas import register_schemas

    register_schemas()  # typed schemas of every registered component in Hydra's ConfigStore
    dirs = plugin_config_dirs()
    if dirs and not any(a.startswith("hydra.searchpath") for a in argv):
        argv.append("hydra.searchpath=[" + ",".join(f"file://{d}" for d in dirs) + "]")

    def _run(cfg: DictConfig) -> None:
        from gru_asr.schemas import ConfigError
        from gru_asr.training.train import train

        try:
            train(cfg)
        except ConfigError as err:
            raise SystemExit(f"config error: {err}") from None

    sys.argv = ["gru-asr train", *argv]
    hydra.main(config_path=str(config_dir()), config_name="train", version_base="1.3")(_run)()
    return 0
