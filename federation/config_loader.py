"""Read ``gateway.yaml`` and environment overrides into :class:`federation.config.GatewayConfig`.

The conversion is driven by the dataclasses' own type hints, so adding a field to a config
dataclass is all it takes to make it loadable and overridable from the environment.
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

from federation.config import ENV_PREFIX, ConfigError, CorsConfig, GatewayConfig

T = TypeVar("T")


def load_config(
    path: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> GatewayConfig:
    """The file at ``path`` (if any), then ``FEDERATION_*`` variables from ``environ`` on top."""
    raw: dict[str, Any] = {}
    source = "defaults"
    if path is not None:
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from exc
        try:
            loaded = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML: {exc}") from exc
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path}: the top level must be a mapping, got {_kind(loaded)}")
        raw = loaded
    from_env = apply_env_overrides(raw, os.environ if environ is None else environ)
    try:
        config = from_dict(GatewayConfig, raw, source)
    except ConfigError as exc:
        variable = next((v for k, v in from_env.items() if exc.key.lower().startswith(k)), None)
        if variable is None:
            raise
        raise ConfigError(f"{exc} (set by environment variable {variable})", exc.key) from None
    _check(config, source)
    return config


def apply_env_overrides(raw: dict[str, Any], environ: Mapping[str, str]) -> dict[str, str]:
    """Write ``FEDERATION_A__B=v`` into ``raw["a"]["b"]``, matching existing keys case-insensitively.

    Returns the dotted keys set this way (lower-case) and the variables that set them.
    """
    applied: dict[str, str] = {}
    for name in sorted(environ):
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue  # e.g. FEDERATION_CONFIG is not an override
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


def from_dict(cls: type[T], raw: Any, where: str) -> T:
    """Build dataclass ``cls`` from plain YAML data; ``where`` prefixes error messages."""
    return typing.cast(T, _convert(cls, raw, where, ""))


def _convert(hint: Any, value: Any, where: str, key: str) -> Any:
    label = f"{where}: {key}" if key else where
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _convert_dataclass(hint, value, where, key)
    if hint is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        inner = [o for o in options if o is not type(None)]
        if len(inner) == 1:
            return _convert(inner[0], value, where, key)
        raise ConfigError(f"{label}: unsupported union type", key)  # not used by the config classes
    if origin is tuple:
        (item,) = typing.get_args(hint)[:1]
        if isinstance(value, str):
            value = [value]  # a single value where a list is allowed: `url: http://...`
        if not isinstance(value, list):
            raise ConfigError(f"{label}: expected a list, got {_kind(value)}", key)
        return tuple(_convert(item, v, where, f"{key}[{i}]") for i, v in enumerate(value))
    if origin in (Mapping, dict):
        _, item = typing.get_args(hint)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ConfigError(f"{label}: expected a mapping, got {_kind(value)}", key)
        return {str(k): _convert(item, v, where, f"{key}.{k}" if key else str(k)) for k, v in value.items()}
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{label}: expected true or false, got {_kind(value)}", key)
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{label}: expected an integer, got {_kind(value)}", key)
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{label}: expected a number, got {_kind(value)}", key)
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{label}: expected a string, got {_kind(value)}", key)
        return value
    raise ConfigError(f"{label}: unsupported type {hint!r}", key)


def _convert_dataclass(cls: type[Any], value: Any, where: str, key: str) -> Any:
    label = f"{where}: {key}" if key else where
    if value is None:
        value = {}
    if not isinstance(value, dict):
        raise ConfigError(f"{label}: expected a mapping, got {_kind(value)}", key)
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {}
    for name, item in value.items():
        sub = f"{key}.{name}" if key else str(name)
        if name not in fields:
            hint = difflib.get_close_matches(str(name), fields, n=1)
            also = f" (did you mean {hint[0]!r}?)" if hint else f" (known: {', '.join(fields)})"
            raise ConfigError(f"{where}: unknown key {sub!r}{also}", sub)
        kwargs[name] = _convert(hints[name], item, where, sub)
    return cls(**kwargs)


def _check(config: GatewayConfig, where: str) -> None:
    """Rules that span fields, stated once here rather than discovered at run time."""
    server, http = config.server, config.http
    if not 0 <= server.port <= 65535:
        raise ConfigError(f"{where}: server.port must be between 0 and 65535")
    if server.workers < 1:
        raise ConfigError(f"{where}: server.workers must be at least 1")
    if config.supergraph.path and config.supergraph.config:
        raise ConfigError(f"{where}: give supergraph.path or supergraph.config, not both")
    if config.supergraph.poll_interval < 0:
        raise ConfigError(f"{where}: supergraph.poll_interval must not be negative")
    if http.max_body_bytes < 1:
        raise ConfigError(f"{where}: http.max_body_bytes must be positive")
    if not http.path.startswith("/") or (http.path.endswith("/") and http.path != "/"):
        raise ConfigError(f"{where}: http.path must start with '/' and not end with one")
    _check_cors(http.cors, where)
    _check_policies(config, where)
    for name, sub in config.subgraphs.items():
        if sub.timeout is not None and sub.timeout <= 0:
            raise ConfigError(f"{where}: subgraphs.{name}.timeout must be positive")


def _check_policies(config: GatewayConfig, where: str) -> None:
    """The ``policies`` section is validated by its owner, so its errors show at load time too."""
    from federation.policies.config import PoliciesConfigError, policies_config_from_dict

    try:
        policies_config_from_dict(dict(config.policies) if config.policies else None)
    except PoliciesConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from exc


def _check_cors(cors: CorsConfig, where: str) -> None:
    # A wildcard with credentials would let any site act with the user's cookies.
    if cors.allow_credentials and "*" in cors.origins:
        raise ConfigError(f"{where}: http.cors.allow_credentials cannot be used with origins '*'")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )
