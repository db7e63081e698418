"""The gateway's configuration file (``gateway.yaml``), as frozen dataclasses: the whole file's shape.

Every key is optional; an absent file means the defaults below. The file is read by
:func:`federation.config_loader.load_config`, which also applies environment overrides::

    FEDERATION_<SECTION>__<KEY>[__<KEY>...]=<YAML scalar or flow value>

    FEDERATION_SERVER__PORT=4001
    FEDERATION_HTTP__CORS__ORIGINS='["http://localhost:3000"]'
    FEDERATION_SUBGRAPHS__ACCOUNTS__URL=http://127.0.0.1:5001/graphql

Names are matched case-insensitively (``__`` separates levels); the value is parsed as YAML, so
numbers, booleans and ``[a, b]`` lists come out typed. The type hints below are the schema: the
decoder (:func:`federation.config_loader.decode`) reads them, ``Annotated[..., Range(...)]`` gives a
number's allowed range, and ``__post_init__`` states the rules that span fields. Unknown keys, wrong
types and values out of range are a :class:`ConfigError` naming the dotted key.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Annotated, Literal

from federation.errors import ConfigError

ENV_PREFIX = "FEDERATION_"


@dataclass(frozen=True)
class Range:
    """Allowed values of a number, checked by the decoder: ``Annotated[int, Range(0, 65535)]``."""

    low: float | None = None
    high: float | None = None
    # True: ``low`` itself is refused (a timeout of 0 would fail every request).
    above: bool = False

    def problem(self, value: float) -> str | None:
        too_low = self.low is not None and (value <= self.low if self.above else value < self.low)
        if not too_low and (self.high is None or value <= self.high):
            return None
        if self.low is not None and self.high is not None:
            return f"must be between {self.low:g} and {self.high:g}, got {value!r}"
        if self.above:
            return f"must be greater than {self.low:g}, got {value!r}"
        return f"must be at least {self.low:g}, got {value!r}"


Port = Annotated[int, Range(0, 65535)]
Timeout = Annotated[float, Range(0, above=True)]  # seconds; zero would give up before starting
Seconds = Annotated[float, Range(0)]  # seconds where zero means "none" or "off"
Size = Annotated[int, Range(0)]
Cost = Annotated[float, Range(0)]
AtLeastOne = Annotated[int, Range(1)]


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: Port = 4000
    # More than one worker runs separate processes, each with its own gateway and reload watcher.
    workers: AtLeastOne = 1
    # One line per request on the ``federation.access`` logger.
    access_log: bool = True
    json_logs: bool = False
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    # SIGTERM: /ready answers 503 at once and everything else is served as before for this many
    # seconds, so load balancers stop sending; then the listener closes.
    drain_seconds: Seconds = 5.0
    # Then requests in flight get this many seconds; at the deadline, subgraph calls still running
    # are cut short and those requests answered with the data they have and errors (never a 500).
    graceful_timeout: Seconds = 10.0
    # A port of its own for GET /metrics (on metrics_host, else host); the API port then serves no
    # /metrics. None: /metrics is on the API port (when http.metrics is true).
    metrics_port: Port | None = None
    metrics_host: str | None = None
    # HTTPS on the API port with this certificate (the metrics port stays plain HTTP); None: HTTP.
    tls: ServerTlsConfig | None = None
    # Strict-Transport-Security on HTTPS answers (also behind a proxy that says X-Forwarded-Proto:
    # https); None: no header.
    hsts: HstsConfig | None = None


_GRAPH_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def split_graph_ref(text: str) -> tuple[str, str]:
    """``graph@variant`` as (graph, variant); without ``@`` the variant is ``current``, as in rover.
    The one reading of a graph reference: gateway, usage reports and the registry's commands."""
    graph, _, variant = text.partition("@")
    return graph, variant or "current"


@dataclass(frozen=True)
class RegistryConfig:
    """A schema registry that serves composed supergraphs, polled as Apollo Router polls Uplink
    (``federation.supergraph_registry`` speaks its protocol)."""

    url: str = ""
    # "<graph>@<variant>"; without "@", the variant "current".
    graph: str = ""
    # Sent as "Authorization: Bearer <token>"; or read from token_file (first line). repr=False: a
    # printed config never shows it.
    token: str | None = field(default=None, repr=False)
    token_file: str | None = None
    # Seconds between polls; the registry's min_delay_seconds is the floor.
    poll_interval: Timeout = 1.0
    # Seconds one poll may take (connect, wait, read).
    timeout: Timeout = 10.0
    # Where the last good supergraph (and its version id) is kept; None:
    # .federation/registry-<graph>-<variant>.graphql in the working directory.
    cache_file: str | None = None
    # Seconds start-up keeps trying an unreachable registry when there is no cache file to start from.
    startup_wait: Seconds = 5.0
    # Bytes of one registry answer at most (a supergraph is rarely above a few MiB).
    max_response_bytes: AtLeastOne = 64 * 1024 * 1024
    # A PEM bundle trusted for an https registry instead of the system's certificates.
    ca_file: str | None = None

    def __post_init__(self) -> None:
        # url and graph may come from flags (--registry, --graph) over the file: required by complete().
        if self.url and not self.url.startswith(("http://", "https://")):
            raise ConfigError(f"expected an http:// or https:// URL, got {self.url!r}", "url")
        name, at, variant = self.graph.partition("@")
        for part, what in ((name, "graph"), (variant if at else "current", "variant")):
            if self.graph and not _GRAPH_PART.fullmatch(part):
                raise ConfigError(f"expected '<graph>@<variant>' of letters, digits, '_', '.', '-'; "
                                  f"the {what} is {part!r}", "graph")
        if self.token is not None and self.token_file is not None:
            raise ConfigError("give token or token_file, not both", "token_file")
        if self.token is not None:
            _header_value(self.token, "token")

    def complete(self) -> None:
        """Raises unless url and graph are both given (keys under supergraph.registry)."""
        for key, flag in (("url", "--registry URL"), ("graph", "--graph GRAPH@VARIANT")):
            if not getattr(self, key):
                raise ConfigError(f"missing: the registry needs it (or {flag})", f"supergraph.registry.{key}")

    @property
    def graph_ref(self) -> tuple[str, str]:
        """(graph, variant)."""
        return split_graph_ref(self.graph)


@dataclass(frozen=True)
class SupergraphConfig:
    # A composed supergraph SDL file ...
    path: str | None = None
    # ... or a Rover-style supergraph.yaml (subgraph names and schema files) composed at start ...
    config: str | None = None
    # ... or a schema registry, polled (its own poll_interval; the one below is for files).
    registry: RegistryConfig | None = None
    # Seconds between checks of the file's modification time; 0 turns hot reload off.
    poll_interval: Seconds = 1.0
    # Progressive @override labels that are on for every request (flags such as "new-billing");
    # "percent(N)" labels are drawn per request whatever is listed here.
    override_labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        given = [k for k in ("path", "config", "registry") if getattr(self, k)]
        if len(given) > 1:
            # One source: two would leave which one is served to an accident of precedence.
            raise ConfigError(f"give {' or '.join(given)}, not both", given[-1])


Ratio = Annotated[float, Range(0, 1)]
Share = Annotated[float, Range(0, 1, above=True)]  # a fraction where zero would trip on nothing


@dataclass(frozen=True)
class EjectionConfig:
    """Passive ejection: a replica that keeps failing is left alone for a while, then tried again."""

    enabled: bool = True
    # Failures in a row (connect errors, timeouts, 5xx, lost connections) that eject a replica.
    failures: AtLeastOne = 3
    # Seconds of the first ejection; each ejection that follows a failed return doubles it, up to max_time.
    base_time: Timeout = 5.0
    max_time: Timeout = 60.0


@dataclass(frozen=True)
class BreakerConfig:
    """A circuit breaker per subgraph: fetches fail at once while it is open."""

    enabled: bool = True
    # Opens when, within the last ``window`` seconds, at least ``failures`` fetches failed and they
    # were at least ``ratio`` of all fetches (so a busy subgraph is not cut off for a few errors).
    failures: AtLeastOne = 10
    ratio: Share = 0.5
    window: Timeout = 10.0
    # Seconds it stays open; then up to ``probes`` fetches at once are let through, and the first
    # that succeeds closes it (one that fails opens it again).
    open_for: Timeout = 5.0
    probes: AtLeastOne = 3


@dataclass(frozen=True)
class RetryConfig:
    """Retries of query fetches (never mutations) after a timeout, a 5xx or a lost connection."""

    # Extra attempts per fetch, on another replica when there is one; 0: none.
    max_retries: Size = 1
    # Retries over the last ``window`` seconds stay below ``budget_ratio`` of the fetches plus
    # ``min_per_second`` each second, so retries cannot multiply the load on a failing subgraph.
    budget_ratio: Ratio = 0.2
    min_per_second: Annotated[float, Range(0)] = 5.0
    window: Timeout = 10.0
    # A retry to a replica already tried waits a random time up to base * 2^n seconds, at most max.
    backoff_base: Seconds = 0.025
    backoff_max: Seconds = 0.25


@dataclass(frozen=True)
class HealthCheckConfig:
    """An active probe per replica: a replica that fails it is skipped while others pass."""

    enabled: bool = True  # false turns off a check set in subgraph_defaults
    # GET this path on the replica's host (2xx is up) ...
    path: str | None = None
    # ... or POST this GraphQL query to the replica's URL (an answer with data and no errors is up).
    # Neither: the query "{ __typename }".
    query: str | None = None
    interval: Timeout = 5.0
    timeout: Timeout = 1.0
    # Probes in a row that turn a replica down, and up again.
    unhealthy_after: AtLeastOne = 2
    healthy_after: AtLeastOne = 1

    def __post_init__(self) -> None:
        if self.path is not None and self.query is not None:
            raise ConfigError("give path or query, not both", "query")
        if self.path is not None and not self.path.startswith("/"):
            raise ConfigError("must start with '/'", "path")


# Headers that describe one hop or the body the gateway itself sends (or answers with): never
# passed on in either direction, whatever a rule says. Named in a rule, they are a config error;
# matched by a regex, they are skipped.
NEVER_PASSED_ON = frozenset({
    "connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length",
    "content-type", "content-encoding", "accept", "accept-encoding",
})
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def never_passed_on(name: str) -> bool:
    """``name`` lower-case; proxy-* are hop-by-hop too (proxy-authorization, proxy-connection)."""
    return name in NEVER_PASSED_ON or name.startswith("proxy-")


def _header_name(name: str, key: str) -> str:
    if not _TOKEN.fullmatch(name):
        raise ConfigError(f"not a header name: {name!r}", key)
    if never_passed_on(name.lower()):
        raise ConfigError(f"{name!r} is hop-by-hop or set by the gateway itself, never passed on", key)
    return name.lower()


def _header_value(value: str, key: str) -> None:
    # A line break would end the header and start another (or a second request).
    if "\r" in value or "\n" in value:
        raise ConfigError("a header value cannot contain a line break", key)


def header_regex(pattern: str, key: str) -> re.Pattern[str]:
    """Header names are case-insensitive; the whole (lower-case) name must match."""
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ConfigError(f"not a valid regular expression: {exc}", key) from None


def _named_or_matching(named: str | None, matching: str | None) -> None:
    if (named is None) == (matching is None):
        raise ConfigError("give named or matching (one of them)", "named" if named is None else "matching")
    if named is not None:
        _header_name(named, "named")
    if matching is not None:
        header_regex(matching, "matching")


@dataclass(frozen=True)
class PropagateHeader:
    """A client header (by name, or every one whose name matches) copied to the subgraph request."""

    named: str | None = None
    matching: str | None = None
    # Only with named: the name the subgraph receives it under, and the value sent when the client
    # sent none.
    rename: str | None = None
    default: str | None = None

    def __post_init__(self) -> None:
        _named_or_matching(self.named, self.matching)
        if self.matching is not None and (self.rename is not None or self.default is not None):
            raise ConfigError("rename and default go with named, not matching",
                              "rename" if self.rename is not None else "default")
        if self.rename is not None:
            _header_name(self.rename, "rename")
        if self.default is not None:
            _header_value(self.default, "default")


@dataclass(frozen=True)
class InsertHeader:
    """A fixed header set on the subgraph request (replacing one a rule before it propagated)."""

    name: str = ""
    value: str = ""

    def __post_init__(self) -> None:
        _header_name(self.name, "name")
        _header_value(self.value, "value")


@dataclass(frozen=True)
class RemoveHeader:
    """Drops what rules before it put on the subgraph request (by name, or every name matching)."""

    named: str | None = None
    matching: str | None = None

    def __post_init__(self) -> None:
        _named_or_matching(self.named, self.matching)


@dataclass(frozen=True)
class HeaderRule:
    """One step of ``request_headers``: exactly one of the three."""

    propagate: PropagateHeader | None = None
    insert: InsertHeader | None = None
    remove: RemoveHeader | None = None

    def __post_init__(self) -> None:
        given = [k for k in ("propagate", "insert", "remove") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ConfigError(f"give exactly one of propagate, insert, remove (got {', '.join(given) or 'none'})")


@dataclass(frozen=True)
class ResponseHeadersConfig:
    """Subgraph answer headers passed on to the client: by name or by regex over the name."""

    propagate: tuple[str, ...] = ()
    matching: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for i, name in enumerate(self.propagate):
            _header_name(name, f"propagate[{i}]")
        for i, pattern in enumerate(self.matching):
            header_regex(pattern, f"matching[{i}]")


@dataclass(frozen=True)
class SubgraphConfig:
    """One subgraph's traffic settings; ``subgraph_defaults`` has the same shape and fills in any key
    a subgraph leaves unset (a key is unset while it has the value written here)."""

    # One URL, or several replicas (each request starts at the next one). Empty: the supergraph's URL.
    url: tuple[str, ...] = ()
    # Seconds for one attempt at a subgraph request; None: 30. All attempts together stay within
    # the request's deadline (traffic.request_timeout).
    timeout: Timeout | None = None
    # Seconds to open a connection (TCP connect and TLS handshake); None: the fetcher's default.
    connect_timeout: Timeout | None = None
    # Open connections to this subgraph at most; None: the fetcher's default (100).
    max_connections: AtLeastOne | None = None
    # Requests allowed to queue for a connection once max_connections are open; more fail at once,
    # so a slow subgraph cannot pile up unbounded work. None: the fetcher's default (1000).
    max_waiters: Size | None = None
    # Bytes of one answer's body at most, checked as it arrives; None: 10 MiB.
    max_response_bytes: AtLeastOne | None = None
    # https: the CA bundle to trust and the client certificate to present (mTLS); None: the system's
    # certificates, no client certificate.
    tls: SubgraphTlsConfig | None = None
    # Client request headers (names, lower-case) forwarded to this subgraph: the same as a
    # propagate rule for each, before request_headers.
    propagate_headers: tuple[str, ...] = ()
    # Fixed headers added to every request to this subgraph.
    headers: Mapping[str, str] = field(default_factory=dict)
    # Rules building the client headers a request to this subgraph carries, applied in order after
    # propagate_headers; subgraph_defaults' rules run first, then the subgraph's own.
    request_headers: tuple[HeaderRule, ...] = ()
    # Headers of this subgraph's answers passed on to the client; None: none.
    response_headers: ResponseHeadersConfig | None = None
    # None: the defaults of each section (ejection, breaker and retries on; health checks off).
    ejection: EjectionConfig | None = None
    breaker: BreakerConfig | None = None
    retry: RetryConfig | None = None
    health_check: HealthCheckConfig | None = None
    # Identical query fetches in flight at the same moment (same document, variables and forwarded
    # headers) share one call; None: on. Never mutations, never where response_headers is set.
    dedupe: bool | None = None
    # Where subscriptions to this subgraph connect (graphql-transport-ws over WebSocket); None: its
    # URL with ws:// (https: wss://).
    subscription_url: str | None = None

    def __post_init__(self) -> None:
        if self.subscription_url is not None and not self.subscription_url.startswith(("ws://", "wss://")):
            raise ConfigError(f"expected a ws:// or wss:// URL, got {self.subscription_url!r}", "subscription_url")
        for i, name in enumerate(self.propagate_headers):
            _header_name(name, f"propagate_headers[{i}]")

    def over(self, defaults: SubgraphConfig) -> SubgraphConfig:
        """This subgraph's settings, with ``defaults`` for every key it leaves unset."""
        unset = _UNSET_SUBGRAPH
        taken = {f.name: getattr(defaults, f.name) for f in dataclasses.fields(self)
                 if getattr(self, f.name) == getattr(unset, f.name)}
        # Header rules add up rather than replace: rules for all (e.g. propagate a tenant header)
        # and a subgraph's own (e.g. remove it there) are both wanted.
        if self.request_headers and defaults.request_headers:
            taken["request_headers"] = defaults.request_headers + self.request_headers
        return dataclasses.replace(self, **taken) if taken else self


@dataclass(frozen=True)
class TrafficConfig:
    # Seconds a request may spend calling subgraphs: when they run out, the answer carries the data
    # that arrived and an error for each fetch that did not finish. Subgraph timeouts are capped by it.
    request_timeout: Timeout = 30.0


@dataclass(frozen=True)
class CorsConfig:
    # Origins allowed to call the gateway from a browser; "*" allows any. Empty: CORS off.
    origins: tuple[str, ...] = ()
    allow_credentials: bool = False
    # Request headers a preflight may ask for; empty: whatever the browser asks for.
    allow_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: Size = 600

    def __post_init__(self) -> None:
        # A wildcard with credentials would let any site act with the user's cookies.
        if self.allow_credentials and "*" in self.origins:
            raise ConfigError("cannot be used with origins '*'", "allow_credentials")


@dataclass(frozen=True)
class CsrfConfig:
    enabled: bool = True
    # Any of these, non-empty, proves the request went through CORS preflight (Apollo's rule).
    required_headers: tuple[str, ...] = ("x-apollo-operation-name", "apollo-require-preflight")


@dataclass(frozen=True)
class HttpConfig:
    # Where GraphQL is served (GET and POST); GraphiQL and its assets live under it too.
    path: str = "/graphql"
    max_body_bytes: AtLeastOne = 2 * 1024 * 1024
    # All request header names and values together, in bytes; more is answered 431 before the body
    # is read. Checked by the app, so it holds whatever server (and HTTP parser) runs it.
    max_header_bytes: AtLeastOne = 32 * 1024
    cors: CorsConfig = field(default_factory=CorsConfig)
    csrf: CsrfConfig = field(default_factory=CsrfConfig)
    graphiql: bool = True
    # Prometheus text format at GET /metrics (on server.metrics_port when one is set); false: none.
    metrics: bool = True
    # The next two are read by the gateway core: the HTTP layer only carries them.
    introspection: bool = True
    # Replace subgraph error messages with a generic one, keeping the code and path.
    mask_subgraph_errors: bool = False
    # -- for frontend developers (README "GraphiQL") --
    # Requests with the header `X-Federation-Query-Plan: true` get the query plan and the estimated
    # cost in extensions.queryPlan (GraphiQL's plan pane). Off: a plan shows how the graph is split.
    expose_plan: bool = False
    # A .graphql file GraphiQL opens with when the browser has no saved tabs (the demo's example).
    graphiql_default_query_file: str | None = None
    # GraphiQL's token helper signs development tokens with the key in this folder (`federation token
    # --keys-dir`), for clients on loopback only. None: tokens are pasted. Never set in production.
    graphiql_dev_token_keys: str | None = None

    def __post_init__(self) -> None:
        if not self.path.startswith("/") or (self.path.endswith("/") and self.path != "/"):
            raise ConfigError("must start with '/' and not end with one", "path")


# -- policies: read by the stages in federation/policies/ ---------------------------------------

AuthorizationMode = Literal["filter", "reject", "dry_run"]
DemandControlMode = Literal["measure", "enforce"]


@dataclass(frozen=True)
class AuthenticationConfig:
    # Off unless a key source is given: a token we cannot check must not be taken as proof.
    jwks_url: str | None = None
    jwks_file: str | None = None
    issuers: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    leeway: Seconds = 0.0
    header_name: str = "authorization"
    header_prefix: str = "Bearer"
    cookie: str | None = None
    algorithms: tuple[str, ...] = ("RS256", "RS384", "RS512", "ES256", "ES384", "EdDSA", "HS256")
    # How often the JWKS URL is polled, and the least time between refreshes forced by unknown kids.
    poll_interval: Timeout = 300.0
    min_refresh_interval: Seconds = 10.0
    # Claims a token must carry. "exp" by default: a token without it would be valid forever.
    required_claims: tuple[str, ...] = ("exp",)

    def __post_init__(self) -> None:
        if self.jwks_url and self.jwks_file:
            raise ConfigError("give jwks_url or jwks_file, not both", "jwks_file")
        # An unsigned token proves nothing, whatever the file says.
        if any(a.lower() == "none" for a in self.algorithms):
            raise ConfigError("'none' is never accepted", "algorithms")

    @property
    def enabled(self) -> bool:
        return bool(self.jwks_url or self.jwks_file)


@dataclass(frozen=True)
class AuthorizationConfig:
    mode: AuthorizationMode = "filter"
    scope_claim: str = "scope"
    # Policy name -> "module:function" (a mapping in the file); the callable gets (claims, context)
    # and returns a bool. Pairs rather than a dict so the config stays hashable.
    policies: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        for name, reference in self.policies:
            module, sep, function = reference.partition(":")
            if not (module and sep and function):
                raise ConfigError(f"expected 'module:function', got {reference!r}", f"policies.{name}")


@dataclass(frozen=True)
class DemandControlConfig:
    mode: DemandControlMode = "measure"
    max_cost: Cost | None = None
    default_list_size: Size = 10
    # Put the estimate (and the actual cost) in response extensions.cost.
    expose_in_extensions: bool = False


@dataclass(frozen=True)
class LimitsConfig:
    # On by default, each far above what a real client sends and far below what hurts the gateway;
    # null turns one off. Work is bounded by the document before any work that grows with it.
    max_depth: Size | None = 100
    max_height: Size | None = 10_000
    max_aliases: Size | None = 1_000
    max_root_fields: Size | None = 500
    # Parser guards (Apollo Router's token default; graphql-core stops at 200 nesting levels anyway).
    max_tokens: Size | None = 15_000
    max_recursion: Size | None = 200
    # Operations and fragments in one document.
    max_definitions: Size | None = 500
    # Fields once every fragment spread is expanded, as normalisation and planning will see them.
    max_expanded_fields: Size | None = 5_000

    @property
    def any_document_limit(self) -> bool:
        return any(v is not None for v in (self.max_depth, self.max_height, self.max_aliases, self.max_root_fields,
                                           self.max_definitions, self.max_expanded_fields))


@dataclass(frozen=True)
class PersistedQueriesConfig:
    apq: bool = True
    apq_cache_size: Size = 1000
    redis_url: str | None = None
    redis_ttl: Timeout | None = 86400.0
    manifest: str | None = None
    # safelist: refuse documents whose body is not in the manifest; require_id: refuse any text at all.
    safelist: bool = False
    require_id: bool = False


Rate = Annotated[float, Range(0, above=True)]  # per second; zero would refuse everything forever
_RATE_LIMIT_KEY_KINDS = ("header", "claim")


@dataclass(frozen=True)
class RateLimitConfig:
    enabled: bool = False
    # A token bucket per client: refilled at requests_per_second, holding at most burst requests.
    requests_per_second: Rate = 10.0
    burst: AtLeastOne = 20
    # Who a client is: "ip" (the connection's address), "header:<name>" or "claim:<name>" (of the
    # verified token). A request without that header or claim is counted by its address.
    key: str = "ip"
    # Shared buckets for every gateway process using this Redis; none: each process counts alone.
    redis_url: str | None = None
    redis_prefix: str = "federation:ratelimit:"
    # Clients whose buckets one process keeps in memory (least recently seen forgotten first).
    max_clients: AtLeastOne = 10000

    def __post_init__(self) -> None:
        kind, sep, name = self.key.partition(":")
        if not (self.key == "ip" or (sep and kind in _RATE_LIMIT_KEY_KINDS and name.strip())):
            raise ConfigError(f"expected 'ip', 'header:<name>' or 'claim:<name>', got {self.key!r}", "key")


@dataclass(frozen=True)
class PoliciesConfig:
    authentication: AuthenticationConfig = field(default_factory=AuthenticationConfig)
    authorization: AuthorizationConfig = field(default_factory=AuthorizationConfig)
    demand_control: DemandControlConfig = field(default_factory=DemandControlConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    persisted_queries: PersistedQueriesConfig = field(default_factory=PersistedQueriesConfig)
    rate_limit: RateLimitConfig = field(default_factory=RateLimitConfig)


# -- usage reporting: field usage sent to the schema registry (federation/usage/) ----------------
# Kept in its own block: a ``supergraph.registry`` section (url, graph, token) is being added
# separately; once it lands, url/graph/token here could default from it. For now they are given here.


@dataclass(frozen=True)
class UsageConfig:
    enabled: bool = False
    # The registry's base URL: reports go to POST {url}/v1/usage.
    url: str | None = None
    # "graph@variant"; without "@", the variant is "current".
    graph: str = ""
    # The gateway's registry token, sent as "Authorization: Bearer <token>". repr=False: a printed
    # config never shows it. url, graph and token default to supergraph.registry's.
    token: str | None = field(default=None, repr=False)
    # Seconds between reports; a report also goes out early once the pending counts are half full.
    flush_interval: Timeout = 10.0
    # Seconds one report may take (connect, send, answer); a slow registry never holds a request.
    timeout: Timeout = 5.0
    # Bounds of what waits to be sent: distinct operations, and (minute, operation, client) keys.
    # Beyond them new entries are dropped and counted (federation_usage_dropped_total).
    max_operations: AtLeastOne = 1000
    max_keys: AtLeastOne = 10000
    client_name_header: str = "apollographql-client-name"
    client_version_header: str = "apollographql-client-version"
    # Client names (the header's value) whose traffic is not reported.
    exclude_clients: tuple[str, ...] = ()
    # Names this gateway in reports; None: "<host name>-<process id>".
    instance_id: str | None = None
    # A PEM bundle trusted for an https registry; None: supergraph.registry's, else the system's.
    ca_file: str | None = None

    def __post_init__(self) -> None:
        for key in ("client_name_header", "client_version_header"):
            name = getattr(self, key)
            if not _TOKEN.fullmatch(name):
                raise ConfigError(f"not a header name: {name!r}", key)
        if self.url and not self.url.startswith(("http://", "https://")):
            raise ConfigError(f"expected an http:// or https:// URL, got {self.url!r}", "url")
        if self.graph.startswith("@") or self.graph.endswith("@"):
            raise ConfigError("expected 'graph@variant' or 'graph'", "graph")

    def resolved(self, registry: RegistryConfig | None, registry_token: str | None) -> UsageConfig:
        """url, graph and token, where not given here, are the supergraph registry's: a gateway
        serving from a registry reports to it without saying so twice. Raises when one is missing."""
        if registry is not None:
            filled = {k: getattr(registry, k) for k in ("url", "graph", "ca_file") if not getattr(self, k)}
            if not self.token and registry_token:
                filled["token"] = registry_token
            done = replace(self, **filled) if filled else self
        else:
            done = self
        for key, what in (("url", "the registry's URL"), ("graph", "'graph@variant'"), ("token", "a registry token")):
            if not getattr(done, key):
                raise ConfigError(f"usage reporting needs {what} (here, or under supergraph.registry)",
                                  f"usage.{key}")
        return done

    @property
    def graph_and_variant(self) -> tuple[str, str]:
        return split_graph_ref(self.graph)

# -- end of usage reporting ------------------------------------------------------------------------


# -- telemetry: OpenTelemetry traces (federation/observability/tracing.py) -------------------------


@dataclass(frozen=True)
class TracingConfig:
    """OTLP trace export; the section's presence turns tracing on. A key left unset falls back to
    the standard OTEL_* variable (read by ``federation.observability.tracing``), then the default."""

    # Where spans go: for http the traces URL (a bare http://host:port gets /v1/traces), for grpc
    # host:port or a URL. None: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT,
    # else the collector on localhost (4318 for http, 4317 for grpc).
    endpoint: str | None = None
    # None: OTEL_EXPORTER_OTLP_TRACES_PROTOCOL / OTEL_EXPORTER_OTLP_PROTOCOL ("grpc" or
    # "http/protobuf"), else http.
    protocol: Literal["http", "grpc"] | None = None
    # Share of new traces recorded; a request with a traceparent follows its sampled flag. None:
    # OTEL_TRACES_SAMPLER_ARG, else 1.0.
    sampling_ratio: Ratio | None = None
    # The resource's service.name. None: OTEL_SERVICE_NAME, else "federation-gateway".
    service_name: str | None = None
    # Sent with every export (a collector's API key); None: OTEL_EXPORTER_OTLP_HEADERS. Never logged.
    headers: Mapping[str, str] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.endpoint is not None and not self.endpoint:
            raise ConfigError("expected a URL or host:port, got an empty string", "endpoint")
        for name, value in (self.headers or {}).items():
            _header_name(name, f"headers.{name}")
            _header_value(value, f"headers.{name}")


@dataclass(frozen=True)
class TelemetryConfig:
    # OpenTelemetry traces; None (the default): off, at no cost per request.
    tracing: TracingConfig | None = None

# -- end of telemetry ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionsConfig:
    """Subscriptions (``federation/subscriptions/``): over WebSocket, SSE and multipart HTTP."""

    enabled: bool = True
    # Subscriptions one WebSocket connection may run at once, and the whole gateway process.
    max_per_connection: AtLeastOne = 100
    max_total: AtLeastOne = 10_000
    # Seconds a WebSocket client has to send connection_init (graphql-transport-ws closes 4408).
    connection_init_timeout: Timeout = 10.0
    # Seconds between keep-alive pings on each client WebSocket; 0: none.
    keep_alive: Seconds = 12.0
    # On a supergraph reload: "keep" lets running subscriptions finish on the supergraph they started
    # on; "close" ends them with SUBSCRIPTION_SUPERGRAPH_CHANGED (clients subscribe again).
    on_reload: Literal["keep", "close"] = "keep"
    # Identical subscriptions (same plan, variables, what authorization removed and headers sent to
    # subgraphs) share one subgraph subscription and one execution per event.
    deduplicate: bool = True
    # Events waiting for one slow client; past it that subscription ends with SUBSCRIPTION_TOO_SLOW.
    max_queued_events: AtLeastOne = 1000
    # Seconds to open a subgraph's subscription (connect, connection_ack).
    subgraph_connect_timeout: Timeout = 10.0


@dataclass(frozen=True)
class GatewayConfig:
    """The whole ``gateway.yaml``."""

    server: ServerConfig = field(default_factory=ServerConfig)
    supergraph: SupergraphConfig = field(default_factory=SupergraphConfig)
    # Keyed by subgraph name as it appears in the supergraph (join__Graph name).
    subgraphs: Mapping[str, SubgraphConfig] = field(default_factory=dict)
    # Settings for every subgraph; a subgraph's own keys win.
    subgraph_defaults: SubgraphConfig = field(default_factory=SubgraphConfig)
    traffic: TrafficConfig = field(default_factory=TrafficConfig)
    http: HttpConfig = field(default_factory=HttpConfig)
    # Request policies (authentication, rate limits, authorization, limits, cost, persisted queries).
    policies: PoliciesConfig = field(default_factory=PoliciesConfig)
    # Field usage reported to the schema registry (off by default).
    usage: UsageConfig = field(default_factory=UsageConfig)
    subscriptions: SubscriptionsConfig = field(default_factory=SubscriptionsConfig)
    # OpenTelemetry traces (off by default).
    telemetry: TelemetryConfig = field(default_factory=TelemetryConfig)

    def __post_init__(self) -> None:
        if self.subgraph_defaults.url:
            raise ConfigError("a URL belongs to one subgraph, not to the defaults", "subgraph_defaults.url")

    def subgraph(self, name: str) -> SubgraphConfig:
        own = self.subgraphs.get(name)
        return self.subgraph_defaults if own is None else own.over(self.subgraph_defaults)


_UNSET_SUBGRAPH = SubgraphConfig()


# -- TLS: HTTPS for clients (server.tls, server.hsts), trust and client certificates towards https
# subgraphs (subgraphs.<name>.tls); used by federation/tls.py.


@dataclass(frozen=True)
class ServerTlsConfig:
    # PEM: the certificate, then any intermediates (required; or --tls-cert). Watched: new
    # handshakes use a replaced one.
    cert_file: str = ""
    # PEM private key (unencrypted); None: it is in cert_file.
    key_file: str | None = None
    # Seconds between looks at the files (made on a new connection); 0: never reloaded.
    reload_interval: Seconds = 1.0
    min_version: Literal["1.2", "1.3"] = "1.2"


@dataclass(frozen=True)
class HstsConfig:
    # Seconds browsers keep to HTTPS for this host (a year by default); 0 tells them to forget it.
    max_age: Size = 31536000
    include_subdomains: bool = False
    # Asks to be preloaded into browsers: needs include_subdomains and a max_age of a year or more.
    preload: bool = False

    def __post_init__(self) -> None:
        if self.preload and not (self.include_subdomains and self.max_age >= 31536000):
            raise ConfigError("preload needs include_subdomains: true and max_age >= 31536000", "preload")


@dataclass(frozen=True)
class SubgraphTlsConfig:
    # PEM bundle trusted instead of the system's certificates (a private CA, a self-signed certificate).
    ca_file: str | None = None
    # PEM client certificate presented to a subgraph that asks for one (mTLS), and its key (None: in
    # cert_file). Both are watched: a replaced pair is used from the next new connection on.
    cert_file: str | None = None
    key_file: str | None = None

    def __post_init__(self) -> None:
        if self.key_file and not self.cert_file:
            raise ConfigError("key_file goes with cert_file", "key_file")
