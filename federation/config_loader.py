"""Read ``gateway.yaml`` and environment overrides into :class:`federation.config.GatewayConfig`.

One decoder for the whole file (:func:`decode`), driven by the dataclasses' own type hints: adding
a field to a config dataclass is all it takes to make it loadable, checked and overridable from the
environment. Every error is a :class:`federation.config.ConfigError` naming the dotted key, the file,
and the environment variable when one set the value.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

import yaml

from federation.config import ENV_PREFIX, GatewayConfig, Range
from federation.errors import ConfigError

T = TypeVar("T")

# Short names for the keys a deployment sets most (the long FEDERATION_A__B form works for them too).
ENV_ALIASES: dict[str, list[str]] = {
    "FEDERATION_REGISTRY_URL": ["supergraph", "registry", "url"],
    "FEDERATION_REGISTRY_GRAPH": ["supergraph", "registry", "graph"],
    "FEDERATION_REGISTRY_TOKEN": ["supergraph", "registry", "token"],
    "FEDERATION_REGISTRY_CA_FILE": ["supergraph", "registry", "ca_file"],
}


def load_config(
    path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> GatewayConfig:
    """The file at ``path`` (if any), then ``FEDERATION_*`` variables from ``environ`` on top."""
    raw: dict[str, Any] = {}
    source = ""
    if path is not None:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from exc
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"not valid YAML: {exc}", source=source) from exc
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"the top level must be a mapping, got {_kind(loaded)}", source=source)
        raw = loaded
    from_env = apply_env_overrides(raw, os.environ if environ is None else environ)
    try:
        return decode(GatewayConfig, raw)
    except ConfigError as exc:
        raise ConfigError(exc.reason, exc.key, source=source, variable=_setter(exc.key, from_env)) from None


def _setter(key: str, from_env: Mapping[str, str]) -> str:
    """The variable that set ``key`` or a section holding it; empty when the value is the file's."""
    key = key.lower()
    for path, variable in from_env.items():
        if key == path or key.startswith((f"{path}.", f"{path}[")):
            return variable
    # A rule over a section a variable set part of (supergraph.registry.url and supergraph.path).
    for path, variable in from_env.items():
        if key and path.startswith(f"{key}."):
            return variable
    return ""


def apply_env_overrides(raw: dict[str, Any], environ: Mapping[str, str]) -> dict[str, str]:
    """Write ``FEDERATION_A__B=v`` into ``raw["a"]["b"]``, matching existing keys case-insensitively.

    Returns the dotted keys set this way (lower-case) and the variables that set them.
    """
    applied: dict[str, str] = {}
    # The short names first, so the long form of the same key wins.
    names = [n for n in ENV_ALIASES if n in environ] + sorted(n for n in environ if n not in ENV_ALIASES)
    for name in names:
        if name in ENV_ALIASES:
            parts = ENV_ALIASES[name]
            value: Any = environ[name]  # a plain string: a token of digits stays a string
        elif not name.startswith(ENV_PREFIX) or "__" not in name:
            continue  # e.g. FEDERATION_CONFIG is not an override
        else:
            parts = name[len(ENV_PREFIX) :].split("__")
            if any(not p for p in parts):
                raise ConfigError(f"environment variable {name}: empty key between '__'")
            try:
                value = yaml.safe_load(environ[name])
            except yaml.YAMLError as exc:
                raise ConfigError(f"environment variable {name}: not a YAML value: {exc}") from exc
        node = raw
        for i, part in enumerate(parts):
            key = _existing_key(node, part)
            if i == len(parts) - 1:
                node[key] = value
                break
            child = node.get(key)
            if not isinstance(child, dict):
                child = {}
                node[key] = child
            node = child
        applied[".".join(parts).lower()] = name
    return applied


def _existing_key(node: dict[str, Any], part: str) -> str:
    for key in node:
        if isinstance(key, str) and key.lower() == part.lower():
            return key
    return part.lower()


def decode(cls: type[T], raw: Any, key: str = "") -> T:
    """Build the config dataclass ``cls`` from plain YAML data, checking every key and value.

    ``key`` is where ``raw`` sits in the file (``"policies"``), so errors name the full dotted key.
    """
    return typing.cast(T, _convert(cls, raw, key))


def from_dict(cls: type[T], raw: Any, where: str) -> T:
    """:func:`decode` for a whole document; ``where`` names where it came from in errors."""
    try:
        return decode(cls, raw)
    except ConfigError as exc:
        raise ConfigError(exc.reason, exc.key, source=where) from None


def _convert(hint: Any, value: Any, key: str) -> Any:
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        inner, *extras = typing.get_args(hint)
        converted = _convert(inner, value, key)
        for extra in extras:
            problem = extra.problem(converted) if isinstance(extra, Range) else None
            if problem:
                raise ConfigError(problem, key)
        return converted
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _convert_dataclass(hint, value, key)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        inner = [o for o in options if o is not type(None)]
        if len(inner) == 1:
            return _convert(inner[0], value, key)
        raise ConfigError(f"unsupported union type {hint!r}", key)  # not used by the config classes
    if origin is typing.Literal:
        return _convert_choice(typing.get_args(hint), value, key)
    if origin is tuple:
        return _convert_tuple(typing.get_args(hint), value, key)
    if origin in (Mapping, dict):
        _, item = typing.get_args(hint)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise ConfigError(f"expected a mapping, got {_kind(value)}", key)
        return {str(k): _convert(item, v, _join(key, k)) for k, v in value.items()}
    if hint in _SCALARS:
        expected, accepts = _SCALARS[hint]
        # bool is an int in Python, but `port: true` is a mistake, not port 1.
        if isinstance(value, bool) != (hint is bool) or not isinstance(value, accepts):
            raise ConfigError(f"expected {expected}, got {_kind(value)}", key)
        return hint(value)
    raise ConfigError(f"unsupported type {hint!r}", key)


_SCALARS: dict[Any, tuple[str, type | tuple[type, ...]]] = {
    bool: ("a boolean", bool),
    int: ("an integer", int),
    float: ("a number", (int, float)),
    str: ("a string", str),
}


def _convert_choice(choices: tuple[Any, ...], value: Any, key: str) -> Any:
    if isinstance(value, str) and value in choices:
        return value
    listed = ", ".join(repr(c) for c in choices)
    close = difflib.get_close_matches(value, [str(c) for c in choices], n=1) if isinstance(value, str) else []
    also = f" (did you mean {close[0]!r}?)" if close else ""
    raise ConfigError(f"expected one of {listed}, got {_kind(value)}{also}", key)


def _convert_tuple(items: tuple[Any, ...], value: Any, key: str) -> tuple[Any, ...]:
    if len(items) == 2 and items[1] is Ellipsis:
        item = items[0]
        if isinstance(value, Mapping) and typing.get_origin(item) is tuple:
            # Name -> value pairs written as a mapping, each named by its key (`policies.hr`).
            return tuple(_convert(item, [k, v], _join(key, k)) for k, v in value.items())
        if isinstance(value, str):
            value = [value]  # a single value where a list is allowed: `url: http://...`
        if not isinstance(value, list):
            raise ConfigError(f"expected a list, got {_kind(value)}", key)
        return tuple(_convert(item, v, f"{key}[{i}]") for i, v in enumerate(value))
    if not isinstance(value, list) or len(value) != len(items):
        raise ConfigError(f"expected a list of {len(items)}, got {_kind(value)}", key)
    return tuple(_convert(item, v, key) for item, v in zip(items, value, strict=True))


def _convert_dataclass(cls: type[Any], value: Any, key: str) -> Any:
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"expected a mapping, got {_kind(value)}", key)
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    for name, item in value.items():
        sub = _join(key, name)
        if name not in hints:
            close = difflib.get_close_matches(str(name), hints, n=1)
            also = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(hints)}"
            raise ConfigError(f"unknown key ({also})", sub)
        kwargs[name] = _convert(hints[name], item, sub)
    try:
        return cls(**kwargs)
    except ConfigError as exc:  # a rule spanning fields, stated by the dataclass itself
        raise exc.under(key) from None


def _hints(cls: type[Any]) -> dict[str, Any]:
    """Field name -> type hint, with its ``Annotated`` range."""
    hints = typing.get_type_hints(cls, include_extras=True)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def _join(key: str, name: Any) -> str:
    return f"{key}.{name}" if key else str(name)


def _kind(value: Any) -> str:
    """How a wrong value is shown: its YAML kind, and the value itself when it is short."""
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    shown = repr(value)
    return f"{type(value).__name__} {shown if len(shown) <= 40 else shown[:37] + '...'}"
