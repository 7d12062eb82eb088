"""Open, typed component registries.

Every pluggable kind (front-end, augmentation, encoder, head, decoder, tokenizer)
has one :class:`Registry`. A class joins it through a decorator::

    from gru_asr.registry import register

    @register("encoder", "my_encoder")
    class MyEncoder(Encoder): ...

Registration checks the base class of the kind and refuses duplicate names, so a
typo or a clash fails at import time rather than deep inside training.

Configs and model packages name components by their registered *name* only.
Nothing here ever imports a module named by a config or a model file: unknown
names are looked up in the installed ``gru_asr.plugins`` entry points (code the
user chose to install) and otherwise fail with a message naming what to install.
"""

from __future__ import annotations

import importlib
import importlib.metadata as metadata
import inspect
import logging
from dataclasses import dataclass
from typing import Any, Callable, TypeVar

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "gru_asr.plugins"

T = TypeVar("T", bound=type)


class RegistryError(Exception):
    """Raised for registration mistakes and for unknown component names."""


@dataclass(frozen=True)
class ComponentInfo:
    """Where a registered component comes from (recorded in model packages)."""

    kind: str
    name: str
    cls: type
    distribution: str  # pip distribution that provides the class ("gru_asr" for built-ins)
    version: str

    def describe(self) -> str:
        doc = inspect.getdoc(self.cls) or ""
        return doc.splitlines()[0] if doc else ""


class Registry:
    """Maps names to classes for one component kind, checking the base class."""

    def __init__(self, kind: str, base: type):
        self.kind = kind
        self.base = base
        self._entries: dict[str, ComponentInfo] = {}

    def register(self, name: str) -> Callable[[T], T]:
        def decorator(cls: T) -> T:
            if not isinstance(cls, type) or not issubclass(cls, self.base):
                raise RegistryError(
                    f"cannot register {cls!r} as {self.kind} {name!r}: "
                    f"it must be a subclass of {self.base.__module__}.{self.base.__qualname__}"
                )
            if name in self._entries:
                existing = self._entries[name]
                raise RegistryError(
                    f"{self.kind} {name!r} is already registered by "
                    f"{existing.cls.__module__}.{existing.cls.__qualname__} "
                    f"(from {existing.distribution}); choose another name"
                )
            dist, version = _distribution_of(cls)
            self._entries[name] = ComponentInfo(self.kind, name, cls, dist, version)
            cls.registered_name = name  # type: ignore[attr-defined]
            return cls

        return decorator

    def info(self, name: str) -> ComponentInfo:
        if name not in self._entries:
            load_plugins()
        if name not in self._entries:
            known = ", ".join(sorted(self._entries)) or "(none)"
            raise RegistryError(f"unknown {self.kind} {name!r}; registered {self.kind}s: {known}")
        return self._entries[name]

    def get(self, name: str) -> type:
        return self.info(name).cls

    def build(self, name: str, **kwargs: Any) -> Any:
        """Instantiate ``name`` with ``kwargs``; bad arguments name the component."""
        cls = self.get(name)
        try:
            inspect.signature(cls).bind(**kwargs)
        except TypeError as err:
            raise RegistryError(f"bad config for {self.kind} {name!r}: {err}") from None
        return cls(**kwargs)

    def names(self) -> list[str]:
        load_plugins()
        return sorted(self._entries)

    def __contains__(self, name: str) -> bool:
        return name in self._entries


_REGISTRIES: dict[str, Registry] = {}

# The package that defines each built-in kind: importing it creates the kind's registry
# (in its base module) and registers the built-in components. A kind is imported on its
# first lookup, so this module imports nothing of the package's own and no component
# module's import comes back here through another (no import circle).
BUILTIN_PACKAGES = {
    "augmentation": "gru_asr.augment",
    "decoder": "gru_asr.decoders",
    "encoder": "gru_asr.encoders",
    "frontend": "gru_asr.frontends",
    "head": "gru_asr.heads",
    "lm": "gru_asr.lm.base",
    "tokenizer": "gru_asr.tokenizers",
}


def _import_builtin(kind: str) -> None:
    package = BUILTIN_PACKAGES.get(kind)
    if package is not None:
        importlib.import_module(package)  # a dict lookup in sys.modules after the first time


def create_registry(kind: str, base: type) -> Registry:
    if kind in _REGISTRIES:
        raise RegistryError(f"a registry for {kind!r} already exists")
    _REGISTRIES[kind] = Registry(kind, base)
    return _REGISTRIES[kind]


def get_registry(kind: str) -> Registry:
    _import_builtin(kind)
    if kind not in _REGISTRIES:
        raise RegistryError(f"unknown component kind {kind!r}; kinds: {', '.join(sorted(_REGISTRIES))}")
    return _REGISTRIES[kind]


def kinds() -> list[str]:
    for kind in BUILTIN_PACKAGES:
        _import_builtin(kind)
    return sorted(_REGISTRIES)


def register(kind: str, name: str) -> Callable[[T], T]:
    """Decorator: ``@register("encoder", "bigru")``."""
    return get_registry(kind).register(name)


_plugins_loaded = False
_plugin_modules: list = []


def load_plugins(force: bool = False) -> list[str]:
    """Import the modules that installed packages list under ``gru_asr.plugins``.

    Only entry points of installed distributions are imported: this is code the
    user installed on purpose, never a module named by a config or model file.
    A plugin that fails to import is logged and skipped so one broken package
    does not take the toolkit down.
    """
    global _plugins_loaded
    if _plugins_loaded and not force:
        return []
    _plugins_loaded = True
    loaded = []
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            _plugin_modules.append(ep.load())
            loaded.append(ep.value)
        except Exception as err:  # noqa: BLE001 - a broken plugin must not break gru_asr
            log.warning("plugin %s (%s) failed to load: %s", ep.name, ep.value, err)
    return loaded


def import_local_plugin(module: str) -> None:
    """Import a user's module by name for quick experiments (``--plugin``)."""
    _plugin_modules.append(importlib.import_module(module))


def plugin_config_dirs() -> list[str]:
    """Hydra config folders that plugins ship (a module-level ``CONFIG_DIR``),
    so that ``encoder=<plugin config>`` works without copying files."""
    load_plugins()
    dirs = []
    for mod in _plugin_modules:
        d = getattr(mod, "CONFIG_DIR", None)
        if d is not None and str(d) not in dirs:
            dirs.append(str(d))
    return dirs


def _distribution_of(cls: type) -> tuple[str, str]:
    top = cls.__module__.split(".")[0]
    if top == "gru_asr":
        from gru_asr.version import __version__

        return "gru_asr", __version__
    try:
        dists = metadata.packages_distributions().get(top, [])
    except Exception:  # noqa: BLE001
        dists = []
    for dist in dists:
        try:
            return dist, metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    # A module imported from a path (quick experiments) has no distribution.
    return top, "0+local"
