"""The gateway's configuration file (``gateway.yaml``), as frozen dataclasses.

Every key is optional; an absent file means the defaults below. The file is read by
:func:`federation.config_loader.load_config`, which also applies environment overrides::

    FEDERATION_<SECTION>__<KEY>[__<KEY>...]=<YAML scalar or flow value>

    FEDERATION_SERVER__PORT=4001
    FEDERATION_HTTP__CORS__ORIGINS='["http://localhost:3000"]'
    FEDERATION_SUBGRAPHS__ACCOUNTS__URL=http://127.0.0.1:5001/graphql

Names are matched case-insensitively (``__`` separates levels); the value is parsed as YAML, so
numbers, booleans and ``[a, b]`` lists come out typed. Unknown keys and wrong types are errors
that name the offending key, in the file and in the environment alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

ENV_PREFIX = "FEDERATION_"


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 4000
    # More than one worker runs separate processes, each with its own gateway and reload watcher.
    workers: int = 1
    # One line per request on the ``federation.access`` logger.
    access_log: bool = True
    json_logs: bool = False
    log_level: str = "info"
    # Seconds given to in-flight requests on SIGTERM before connections are closed.
    graceful_timeout: float = 10.0


@dataclass(frozen=True)
class SupergraphConfig:
    # A composed supergraph SDL file ...
    path: str | None = None
    # ... or a Rover-style supergraph.yaml (subgraph names and schema files) composed at start.
    config: str | None = None
    # Seconds between checks of the file's modification time; 0 turns hot reload off.
    poll_interval: float = 1.0


@dataclass(frozen=True)
class SubgraphConfig:
    # One URL, or several replicas used in turn (round-robin). Empty: the URL in the supergraph.
    url: tuple[str, ...] = ()
    # Seconds for one subgraph request; None: the gateway's default.
    timeout: float | None = None
    # Client request headers (names, lower-case) forwarded to this subgraph.
    propagate_headers: tuple[str, ...] = ()
    # Fixed headers added to every request to this subgraph.
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CorsConfig:
    # Origins allowed to call the gateway from a browser; "*" allows any. Empty: CORS off.
    origins: tuple[str, ...] = ()
    allow_credentials: bool = False
    # Request headers a preflight may ask for; empty: whatever the browser asks for.
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int = 600


@dataclass(frozen=True)
class CsrfConfig:
    enabled: bool = True
    # Any of these, non-empty, proves the request went through CORS preflight (Apollo's rule).
    required_headers: tuple[str, ...] = ("x-apollo-operation-name", "apollo-require-preflight")


@dataclass(frozen=True)
class HttpConfig:
    # Where GraphQL is served (GET and POST); GraphiQL and its assets live under it too.
    path: str = "/graphql"
    max_body_bytes: int = 2 * 1024 * 1024
    cors: CorsConfig = field(default_factory=CorsConfig)
    csrf: CsrfConfig = field(default_factory=CsrfConfig)
    graphiql: bool = True
    # Prometheus text format at GET /metrics.
    metrics: bool = True
    # The next two are read by the gateway core: the HTTP layer only carries them.
    introspection: bool = True
    # Replace subgraph error messages with a generic one, keeping the code and path.
    mask_subgraph_errors: bool = False


@dataclass(frozen=True)
class GatewayConfig:
    """The whole ``gateway.yaml``."""

    server: ServerConfig = field(default_factory=ServerConfig)
    supergraph: SupergraphConfig = field(default_factory=SupergraphConfig)
    # Keyed by subgraph name as it appears in the supergraph (join__Graph name).
    subgraphs: Mapping[str, SubgraphConfig] = field(default_factory=dict)
    http: HttpConfig = field(default_factory=HttpConfig)
    # Request policies (authentication, authorization, limits, cost): raw sections, each parsed
    # and validated by the module that owns it, e.g. ``policies["auth"]``, ``policies["limits"]``.
    policies: Mapping[str, Any] = field(default_factory=dict)

    def subgraph(self, name: str) -> SubgraphConfig:
        return self.subgraphs.get(name) or SubgraphConfig()


class ConfigError(ValueError):
    """The configuration file or an environment override is not valid; the message names the key."""

    def __init__(self, message: str, key: str = "") -> None:
        super().__init__(message)
        # Dotted path of the offending key ("http.cors.origins"), empty when not about one key.
        self.key = key
