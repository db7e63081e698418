"""Configuration of the policy stages: the ``policies`` section of the gateway config file.

Every stage is off, or a no-op, until configured, except authorization, which only acts where the
supergraph carries ``@authenticated``/``@requiresScopes``/``@policy``. ``policies_config_from_dict``
reads the YAML section; unknown keys are refused so that a typo does not silently disable a limit.

    policies:
      authentication: {jwks_url: ..., jwks_file: ..., issuers: [...], audiences: [...], leeway: 60,
                       header_name: authorization, header_prefix: Bearer, cookie: null}
      authorization: {mode: filter, scope_claim: scope, policies: {name: "module:function"}}
      demand_control: {mode: measure, max_cost: null, default_list_size: 10}
      limits: {max_depth: null, max_height: null, max_aliases: null, max_root_fields: null,
               max_tokens: null, max_recursion: null}
      persisted_queries: {apq: true, apq_cache_size: 1000, redis_url: null, manifest: null,
                          safelist: false, require_id: false}
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal, TypeVar

AuthorizationMode = Literal["filter", "reject", "dry_run"]
DemandControlMode = Literal["measure", "enforce"]


@dataclass(frozen=True)
class AuthenticationConfig:
    # Off unless a key source is given: a token we cannot check must not be taken as proof.
    jwks_url: str | None = None
    jwks_file: str | None = None
    issuers: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    leeway: float = 0.0
    header_name: str = "authorization"
    header_prefix: str = "Bearer"
    cookie: str | None = None
    algorithms: tuple[str, ...] = ("RS256", "RS384", "RS512", "ES256", "ES384", "EdDSA", "HS256")
    # How often the JWKS URL is polled, and the least time between refreshes forced by unknown kids.
    poll_interval: float = 300.0
    min_refresh_interval: float = 10.0

    @property
    def enabled(self) -> bool:
        return bool(self.jwks_url or self.jwks_file)


@dataclass(frozen=True)
class AuthorizationConfig:
    mode: AuthorizationMode = "filter"
    scope_claim: str = "scope"
    # Policy name -> "module:function"; the callable gets (claims, context) and returns a bool.
    policies: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class DemandControlConfig:
    mode: DemandControlMode = "measure"
    max_cost: float | None = None
    default_list_size: int = 10
    # Put the estimate (and the actual cost) in response extensions.cost.
    expose_in_extensions: bool = False


@dataclass(frozen=True)
class LimitsConfig:
    max_depth: int | None = None
    max_height: int | None = None
    max_aliases: int | None = None
    max_root_fields: int | None = None
    max_tokens: int | None = None
    max_recursion: int | None = None

    @property
    def any_document_limit(self) -> bool:
        return any(v is not None for v in (self.max_depth, self.max_height, self.max_aliases, self.max_root_fields))


@dataclass(frozen=True)
class PersistedQueriesConfig:
    apq: bool = True
    apq_cache_size: int = 1000
    redis_url: str | None = None
    redis_ttl: float | None = 86400.0
    manifest: str | None = None
    # safelist: refuse documents whose body is not in the manifest; require_id: refuse any text at all.
    safelist: bool = False
    require_id: bool = False


@dataclass(frozen=True)
class PoliciesConfig:
    authentication: AuthenticationConfig = field(default_factory=AuthenticationConfig)
    authorization: AuthorizationConfig = field(default_factory=AuthorizationConfig)
    demand_control: DemandControlConfig = field(default_factory=DemandControlConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    persisted_queries: PersistedQueriesConfig = field(default_factory=PersistedQueriesConfig)


class PoliciesConfigError(ValueError):
    """The ``policies`` section does not describe a valid configuration."""


_T = TypeVar("_T")


def _build(cls: type[_T], data: Any, where: str) -> _T:
    if data is None:
        return cls()
    if not isinstance(data, dict):
        raise PoliciesConfigError(f"{where}: expected a mapping, got {type(data).__name__}")
    known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise PoliciesConfigError(f"{where}: unknown key(s) {', '.join(unknown)}")
    values: dict[str, Any] = {}
    defaults = cls()
    for name, value in data.items():
        default = getattr(defaults, name)
        values[name] = _coerce(value, default, f"{where}.{name}")
    try:
        return cls(**values)
    except TypeError as exc:  # pragma: no cover - guarded by the key check above
        raise PoliciesConfigError(f"{where}: {exc}") from exc


def _coerce(value: Any, default: Any, where: str) -> Any:
    """Shape a YAML value like the field's default (tuples for lists, numbers for numbers)."""
    if value is None:
        return None
    if isinstance(default, tuple):
        if isinstance(value, str):
            return tuple(v for v in value.replace(",", " ").split() if v)
        if isinstance(value, dict):
            return tuple((str(k), str(v)) for k, v in value.items())
        if isinstance(value, list):
            return tuple(str(v) for v in value)
        raise PoliciesConfigError(f"{where}: expected a list")
    if isinstance(default, bool):
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)
    if isinstance(default, float) or (default is None and isinstance(value, float)):
        try:
            return float(value)
        except (TypeError, ValueError) as exc:
            raise PoliciesConfigError(f"{where}: expected a number") from exc
    if isinstance(default, int) or (default is None and where.rsplit(".", 1)[-1].startswith("max_")):
        try:
            return int(value)
        except (TypeError, ValueError) as exc:
            raise PoliciesConfigError(f"{where}: expected an integer") from exc
    return str(value) if not isinstance(value, str | int | float) else value


def policies_config_from_dict(data: Any) -> PoliciesConfig:
    """Build the frozen config from the parsed YAML ``policies`` mapping (``None`` gives defaults)."""
    if data is None:
        return PoliciesConfig()
    if not isinstance(data, dict):
        raise PoliciesConfigError("policies: expected a mapping")
    sections = {f.name: f for f in fields(PoliciesConfig)}
    unknown = sorted(set(data) - set(sections))
    if unknown:
        raise PoliciesConfigError(f"policies: unknown section(s) {', '.join(unknown)}")
    config = PoliciesConfig(
        authentication=_build(AuthenticationConfig, data.get("authentication"), "policies.authentication"),
        authorization=_build(AuthorizationConfig, data.get("authorization"), "policies.authorization"),
        demand_control=_build(DemandControlConfig, data.get("demand_control"), "policies.demand_control"),
        limits=_build(LimitsConfig, data.get("limits"), "policies.limits"),
        persisted_queries=_build(PersistedQueriesConfig, data.get("persisted_queries"), "policies.persisted_queries"),
    )
    if config.authorization.mode not in ("filter", "reject", "dry_run"):
        raise PoliciesConfigError("policies.authorization.mode: one of filter, reject, dry_run")
    if config.demand_control.mode not in ("measure", "enforce"):
        raise PoliciesConfigError("policies.demand_control.mode: one of measure, enforce")
    if config.authentication.jwks_url and config.authentication.jwks_file:
        raise PoliciesConfigError("policies.authentication: give jwks_url or jwks_file, not both")
    return config
