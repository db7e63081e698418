"""Configuration of the policy stages: the ``policies`` section of the gateway config file.

Every stage is off, or a no-op, until configured, except authorization, which only acts where the
supergraph carries ``@authenticated``/``@requiresScopes``/``@policy``. The dataclasses are declared
with the rest of the file in :mod:`federation.config` and decoded by the file's one decoder, so a
typo or a wrong value here is the same :class:`~federation.config.ConfigError` as anywhere else.

    policies:
      authentication: {jwks_url: ..., jwks_file: ..., issuers: [...], audiences: [...], leeway: 60,
                       header_name: authorization, header_prefix: Bearer, cookie: null,
                       required_claims: [exp]}
      authorization: {mode: filter, scope_claim: scope, policies: {name: "module:function"}}
      demand_control: {mode: measure, max_cost: null, default_list_size: 10}
      limits: {max_depth: null, max_height: null, max_aliases: null, max_root_fields: null,
               max_tokens: null, max_recursion: null}
      persisted_queries: {apq: true, apq_cache_size: 1000, redis_url: null, manifest: null,
                          safelist: false, require_id: false}
      rate_limit: {enabled: false, requests_per_second: 10, burst: 20, key: ip, redis_url: null}
"""

from __future__ import annotations

from typing import Any

from federation.config import (
    AuthenticationConfig,
    AuthorizationConfig,
    AuthorizationMode,
    DemandControlConfig,
    DemandControlMode,
    LimitsConfig,
    PersistedQueriesConfig,
    PoliciesConfig,
    RateLimitConfig,
)
from federation.config_loader import decode

# The stages import their sections from here, the policies package's own door to the config.
__all__ = [
    "AuthenticationConfig",
    "AuthorizationConfig",
    "AuthorizationMode",
    "DemandControlConfig",
    "DemandControlMode",
    "LimitsConfig",
    "PersistedQueriesConfig",
    "PoliciesConfig",
    "RateLimitConfig",
    "policies_config_from_dict",
]


def policies_config_from_dict(data: Any) -> PoliciesConfig:
    """The parsed YAML ``policies`` mapping, decoded (``None`` gives the defaults).

    Raises :class:`~federation.config.ConfigError` naming the key, e.g. ``policies.limits.max_depth``.
    """
    return decode(PoliciesConfig, data, "policies")
