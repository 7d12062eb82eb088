"""``gru-asr train``: Hydra entry point over ``conf/train.yaml``.

Bad input ends the run with one line, ``error: <what and where>``, and exit status 2,
like every other subcommand (gru_asr/cli/errors.py): the config errors are caught
inside the task function, before Hydra would print them with a traceback.
"""

from __future__ import annotations

import sys
from typing import Callable, Iterable

from gru_asr.config_location import ConfigLocationError, config_dir

# Config nodes that select one registered component by ``name``.
COMPONENT_KINDS = ("frontend", "encoder", "tokenizer", "decoder", "head")


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def train_main(argv: list[str]) -> int:
    from gru_asr.registry import RegistryError, import_local_plugin

    argv = list(argv)
    plugin_args: list[str] = []
    try:
        while "--plugin" in argv:  # --plugin my_module: import a local module that registers components
            i = argv.index("--plugin")
            if i + 1 >= len(argv):
                return _error("--plugin needs a module name")
            try:
                import_local_plugin(argv[i + 1])
            except ImportError as err:
                return _error(f"--plugin {argv[i + 1]}: cannot import it ({err})")
            plugin_args += argv[i : i + 2]
            del argv[i : i + 2]
        primary = config_dir()
    except (ConfigLocationError, RegistryError) as err:  # no config folder; a plugin that registers a taken name
        return _error(str(err))
    moved = moved_trainer_option(argv)
    if moved:  # caught here: Hydra would refuse the override first, with a traceback hint
        return _error(moved)

    import hydra
    from omegaconf import DictConfig

    # Plugins' config folders join the search path through the Hydra search-path plugin
    # (hydra_plugins/gru_asr_searchpath.py), not through the command line.

    def _run(cfg: DictConfig) -> None:
        from gru_asr.cli.errors import describe_os_error, user_error_types
        from gru_asr.training.train import train

        # Lightning starts the other DDP ranks of a multi-device run by running
        # `python -m <__main__'s module> <sys.argv[1:]>` again: make that this module with
        # the same plugins and overrides (Hydra has parsed sys.argv by now).
        _relaunch_as_this_module(plugin_args)
        try:
            _check_hydra_selection(cfg)
            train(cfg)
        except user_error_types() as err:
            raise SystemExit(_error(str(err))) from None
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as err:
            raise SystemExit(_error(describe_os_error(err))) from None

    sys.argv = ["gru-asr train", *argv]
    hydra.main(config_path=str(primary), config_name="train", version_base="1.3")(_run)()
    return 0


def moved_trainer_option(overrides: Iterable[str]) -> str | None:
    """The one-line message for a command-line override of an option that left ``trainer``
    (``trainer.ema={decay: 0.999}`` is now ``ema={decay: 0.999}``); ``None`` if there is none."""
    from gru_asr.training.config import MOVED_OUT_OF_TRAINER

    for item in overrides:
        key = item.partition("=")[0].lstrip("+~")
        head, _, option = key.partition(".")
        if head == "trainer" and option.partition(".")[0] in MOVED_OUT_OF_TRAINER:
            new = option.partition(".")[0]
            return f"trainer.{new} moved to {new} (a top-level key: {key.replace('trainer.', '', 1)}=...)"
    return None


def _relaunch_as_this_module(plugin_args: list[str]) -> None:
    import importlib.util

    import __main__

    __main__.__spec__ = importlib.util.find_spec("gru_asr.cli.train")
    # Idempotent: a sweep runs job after job, and `python -m gru_asr.cli.train --plugin X`
    # had its --plugin taken off before Hydra read sys.argv, like `gru-asr train`.
    if plugin_args and sys.argv[1 : 1 + len(plugin_args)] != plugin_args:
        sys.argv = [sys.argv[0], *plugin_args, *sys.argv[1:]]


def _check_hydra_selection(cfg) -> None:
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig

    hc = HydraConfig.get()
    loader = GlobalHydra.instance().config_loader()
    check_component_selection(cfg, list(hc.overrides.task), dict(hc.runtime.choices),
                              lambda kind: loader.get_group_options(kind))


def renamed_components(overrides: Iterable[str]) -> dict[str, str]:
    """``{kind: name}`` for each ``<kind>.name=<name>`` command-line override."""
    out = {}
    for item in overrides:
        key, sep, value = item.partition("=")
        key = key.lstrip("+~")
        kind, dot, field = key.partition(".")
        if sep and dot and field == "name" and kind in COMPONENT_KINDS:
            out[kind] = value.strip().strip("'\"")
    return out


def check_component_selection(cfg, overrides: list[str], choices: dict, group_options: Callable[[str], list[str]]) -> None:
    """``<kind>.name=<name>`` only renames the node that the config group filled in: the
    previous component's fields stay. When some of them are not fields of ``<name>``, say
    so in one line and give the form that selects the component with its own fields:
    the config group (``encoder=tdnn``), or, with no config file for it, an empty node
    (``~encoder +encoder.name=tdnn``)."""
    import dataclasses

    from omegaconf import OmegaConf

    from gru_asr.registry import get_registry
    from gru_asr.schemas import ConfigError, schema_for

    for kind, name in renamed_components(overrides).items():
        node = cfg.get(kind)
        if node is None or not OmegaConf.is_dict(node):
            continue
        cls = get_registry(kind).get(name)  # an unknown name: RegistryError lists the registered ones
        fields = {f.name for f in dataclasses.fields(schema_for(cls))}
        foreign = sorted(k for k in node.keys() if k not in fields)
        if not foreign:
            continue
        selected = choices.get(kind)
        try:
            options = list(group_options(kind))
        except Exception:  # noqa: BLE001 - no such group: only the empty-node form applies
            options = []
        if name in options:
            use = f"select it with its config group: {kind}={name} (then {kind}.FIELD=VALUE)"
        else:
            use = (f"there is no config {kind}/{name}.yaml; start from an empty {kind} node: "
                   f"~{kind} +{kind}.name={name} (+{kind}.FIELD=VALUE ...), or ship a config file (docs/plugins.md)")
        where = f"of the config {kind}={selected} " if selected else ""
        raise ConfigError(f"{kind}.name={name} keeps the other fields {where}({', '.join(foreign)}), which "
                          f"{kind} {name!r} does not have; {use}")


if __name__ == "__main__":  # the DDP ranks Lightning starts (see _relaunch_as_this_module)
    raise SystemExit(train_main(sys.argv[1:]))
