"""Typed config schemas for registered components, generated from their constructors.

Every registered class gets a dataclass whose fields are the constructor's
keyword arguments (name, type annotation, default). The dataclasses are used
to validate configs with OmegaConf's structured-config checks (unknown fields and
wrong types fail with the field named), listed by ``gru-asr plugins list -v``, and
rendered into the config reference (``gru-asr plugins reference``).
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from typing import Any

from omegaconf import MISSING, OmegaConf

# Constructor arguments that gru_asr passes itself, not the config.
INJECTED = {"input_dim", "vocab_size", "tokenizer", "frame_shift", "sample_rate"}
_SUPPORTED = (int, float, str, bool)


def _field_type(annotation: Any) -> Any:
    """An OmegaConf-compatible type for an annotation (Any when unsupported)."""
    if annotation is inspect.Parameter.empty:
        return Any
    origin = typing.get_origin(annotation)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)) and len(args) == 1:
        inner = _field_type(args[0])
        return typing.Optional[inner] if inner is not Any else Any
    if annotation in _SUPPORTED:
        return annotation
    if origin in (list, tuple) and args and all(a in _SUPPORTED for a in args[:1]):
        return list[args[0]]
    return Any


def schema_for(cls: type) -> type:
    """A dataclass mirroring ``cls.__init__``'s configurable arguments (cached)."""
    cached = cls.__dict__.get("_gru_asr_schema")
    if cached is not None:
        return cached
    try:
        hints = typing.get_type_hints(cls.__init__)
    except Exception:  # noqa: BLE001 - unresolvable annotations: fall back to Any
        hints = {}
    fields = [("name", str, dataclasses.field(default=getattr(cls, "registered_name", cls.__name__)))]
    for pname, p in inspect.signature(cls.__init__).parameters.items():
        if pname == "self" or pname in INJECTED or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        ftype = _field_type(hints.get(pname, p.annotation))
        if p.default is inspect.Parameter.empty:
            default = dataclasses.field(default=MISSING)
        elif isinstance(p.default, (list, tuple, dict)):
            default = dataclasses.field(default_factory=lambda v=p.default: list(v) if isinstance(v, tuple) else v)
        else:
            default = dataclasses.field(default=p.default)
        fields.append((pname, ftype, default))
    schema = dataclasses.make_dataclass(f"{cls.__name__}Config", fields)
    cls._gru_asr_schema = schema
    return schema


class ConfigError(ValueError):
    """A component config has an unknown field or a value of the wrong type."""


def validate(kind: str, config: dict) -> dict:
    """Check ``config`` against the schema of the component it names; returns it
    with defaults filled in. Unknown fields and wrong types raise ConfigError."""
    from gru_asr.registry import get_registry

    cls = get_registry(kind).get(config["name"])
    try:
        merged = OmegaConf.merge(OmegaConf.structured(schema_for(cls)), config)
        return OmegaConf.to_container(merged, resolve=True, throw_on_missing=True)
    except Exception as err:  # noqa: BLE001 - OmegaConf raises several error types
        msg = str(err).splitlines()[0]
        key = getattr(err, "full_key", None)
        where = f" (field {key!r})" if key else ""
        raise ConfigError(f"{kind} {config['name']!r}{where}: {msg}") from None


def describe_fields(cls: type) -> list[tuple[str, str, str]]:
    """(field, type, default) rows for documentation."""
    rows = []
    for f in dataclasses.fields(schema_for(cls)):
        if f.name == "name":
            continue
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        rows.append((f.name, _type_name(f.type), "(required)" if default == MISSING else repr(default)))
    return rows


def _type_name(t: Any) -> str:
    args = [a for a in typing.get_args(t) if a is not type(None)]
    if typing.get_origin(t) is typing.Union and len(args) == 1:
        return f"{_type_name(args[0])} | None"
    if t is Any:
        return "any"
    if typing.get_origin(t) is list:
        return f"list[{_type_name(typing.get_args(t)[0])}]"
    return getattr(t, "__name__", str(t))


def reference_markdown() -> str:
    from gru_asr.registry import get_registry, kinds

    out = ["# Configuration reference", "",
           "Generated from the registered components (`gru-asr plugins reference`); plugins installed",
           "in your environment appear here too. Select a component with its config group",
           "(`encoder=bigru_medium`, `encoder=tdnn`; `~encoder +encoder.name=<name>` for one without a config",
           "file) and set its fields as `<kind>.<field>=value`.", ""]
    for kind in kinds():
        reg = get_registry(kind)
        out += [f"## {kind}", ""]
        for name in reg.names():
            info = reg.info(name)
            out += [f"### `{name}` ({info.distribution} {info.version})", "", info.describe() or "", ""]
            rows = describe_fields(info.cls)
            if rows:
                out += ["| field | type | default |", "|---|---|---|"]
                out += [f"| `{f}` | {t} | `{d}` |" for f, t, d in rows]
                out.append("")
    return "\n".join(out)
