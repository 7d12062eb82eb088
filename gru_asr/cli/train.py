"""``gru-asr train``: Hydra entry point over ``conf/train.yaml``."""

from __future__ import annotations

import sys

from gru_asr.config_location import ConfigLocationError, config_dir


def train_main(argv: list[str]) -> int:
    import hydra
    from omegaconf import DictConfig

    from gru_asr.registry import import_local_plugin

    argv = list(argv)
    while "--plugin" in argv:  # --plugin my_module: import a local module that registers components
        i = argv.index("--plugin")
        if i + 1 >= len(argv):
            raise SystemExit("--plugin needs a module name")
        import_local_plugin(argv[i + 1])
        del argv[i : i + 2]
    from gru_asr.schemas import register_schemas

    register_schemas()  # typed schemas of every registered component in Hydra's ConfigStore
    # Plugins' config folders join the search path through the Hydra search-path plugin
    # (hydra_plugins/gru_asr_searchpath.py), not through the command line.
    try:
        primary = config_dir()
    except ConfigLocationError as err:
        raise SystemExit(f"error: {err}") from None

    def _run(cfg: DictConfig) -> None:
        from gru_asr.schemas import ConfigError
        from gru_asr.training.train import train

        try:
            train(cfg)
        except ConfigError as err:
            raise SystemExit(f"config error: {err}") from None

    sys.argv = ["gru-asr train", *argv]
    hydra.main(config_path=str(primary), config_name="train", version_base="1.3")(_run)()
    return 0
