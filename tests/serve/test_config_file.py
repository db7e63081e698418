"""gateway.yaml: defaults, file values, FEDERATION_* overrides, and errors that name the key."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import orjson
import pytest
import yaml

from federation.config import (
    AuthenticationConfig,
    AuthorizationConfig,
    ConfigError,
    DemandControlConfig,
    GatewayConfig,
    HttpConfig,
    LimitsConfig,
    PoliciesConfig,
    ServerConfig,
    SubgraphConfig,
    SupergraphConfig,
)
from federation.config_loader import from_dict, load_config

ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gateway.yaml"
    path.write_text(text)
    return path


def test_no_file_and_no_environment_gives_defaults() -> None:
    assert load_config(None, {}) == GatewayConfig()


def test_empty_file_gives_defaults(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, ""), {}) == GatewayConfig()


def test_file_values(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
server: {host: 0.0.0.0, port: 4100, workers: 2, json_logs: true}
supergraph: {path: supergraph.graphql, poll_interval: 0.5}
subgraphs:
  accounts:
    url: http://127.0.0.1:4001/graphql
    timeout: 2
    connect_timeout: 0.5
    max_connections: 10
    max_waiters: 0
    propagate_headers: [authorization]
    headers: {x-gateway: federation}
  products:
    url: [http://127.0.0.1:5001/graphql, http://127.0.0.1:5002/graphql]
http:
  max_body_bytes: 1000
  cors: {origins: [http://localhost:3000], allow_credentials: true}
  csrf: {enabled: false}
  graphiql: false
  introspection: false
  mask_subgraph_errors: true
policies:
  limits: {max_depth: 10}
""",
    )
    config = load_config(path, {})
    assert (config.server.host, config.server.port, config.server.workers) == ("0.0.0.0", 4100, 2)
    assert config.server.json_logs is True
    assert config.supergraph.poll_interval == 0.5
    assert config.subgraph("accounts") == SubgraphConfig(
        url=("http://127.0.0.1:4001/graphql",),
        timeout=2.0,
        connect_timeout=0.5,
        max_connections=10,
        max_waiters=0,
        propagate_headers=("authorization",),
        headers={"x-gateway": "federation"},
    )
    assert config.subgraph("products").url == (
        "http://127.0.0.1:5001/graphql",
        "http://127.0.0.1:5002/graphql",
    )
    assert config.subgraph("unknown") == SubgraphConfig()
    assert config.http.cors.origins == ("http://localhost:3000",)
    assert config.http.csrf.enabled is False
    assert (config.http.graphiql, config.http.introspection, config.http.mask_subgraph_errors) == (
        False,
        False,
        True,
    )
    assert config.policies == PoliciesConfig(limits=LimitsConfig(max_depth=10))


def test_environment_overrides_file(tmp_path: Path) -> None:
    path = write(tmp_path, "server: {port: 4100}\nsubgraphs: {Accounts: {timeout: 1}}\n")
    env = {
        "FEDERATION_SERVER__PORT": "4001",
        "FEDERATION_HTTP__CORS__ORIGINS": '["http://a.test", "http://b.test"]',
        "FEDERATION_HTTP__CSRF__ENABLED": "false",
        "FEDERATION_SUBGRAPHS__ACCOUNTS__URL": "http://127.0.0.1:9/graphql",
        "FEDERATION_POLICIES__LIMITS__MAX_DEPTH": "5",
        "FEDERATION_CONFIG": "ignored.yaml",
        "OTHER__THING": "1",
    }
    config = load_config(path, env)
    assert config.server.port == 4001
    assert config.http.cors.origins == ("http://a.test", "http://b.test")
    assert config.http.csrf.enabled is False
    # The existing key keeps its spelling; the override lands in it.
    assert config.subgraph("Accounts") == SubgraphConfig(url=("http://127.0.0.1:9/graphql",), timeout=1.0)
    assert config.policies.limits == LimitsConfig(max_depth=5)


def test_new_subgraph_transport_keys_default_to_the_fetchers_own() -> None:
    sub = SubgraphConfig()
    assert (sub.connect_timeout, sub.max_connections, sub.max_waiters) == (None, None, None)


def test_the_demo_gateway_yaml_decodes_to_typed_values() -> None:
    config = load_config(ROOT / "services_demo" / "gateway.yaml", {})
    assert config.policies == PoliciesConfig(
        authentication=AuthenticationConfig(jwks_file=".demo/keys/jwks.json", issuers=("federation-dev",)),
        authorization=AuthorizationConfig(mode="filter", policies=(("owner", "services_demo.policies:is_owner"),)),
        demand_control=DemandControlConfig(mode="enforce", max_cost=5000.0, expose_in_extensions=True),
        limits=LimitsConfig(max_depth=15, max_aliases=30, max_root_fields=20),
    )
    assert isinstance(config.policies.demand_control.max_cost, float)
    assert (config.server, config.subgraphs) == (GatewayConfig().server, {})
    # GraphiQL for trying the demo: the plan pane, the example query, the token helper.
    assert config.http == HttpConfig(expose_plan=True, graphiql_default_query_file="services_demo/example.graphql",
                                     graphiql_dev_token_keys=".demo/keys")


def test_what_workers_receive_decodes_to_the_same_config(tmp_path: Path) -> None:
    # `server.workers > 1` hands the config to each worker as JSON: policies must survive the trip.
    path = write(
        tmp_path,
        """
server: {workers: 2}
subgraphs: {a: {url: [http://127.0.0.1:1/graphql], max_connections: 5, headers: {x: y}}}
policies:
  authorization: {mode: reject, policies: {hr: "m:f"}}
  authentication: {jwks_url: http://127.0.0.1:1/jwks, audiences: [a, b]}
""",
    )
    config = load_config(path, {})
    sent = orjson.loads(orjson.dumps(dataclasses.asdict(config)))
    assert from_dict(GatewayConfig, sent, "worker configuration") == config


def test_decoding_costs_next_to_nothing() -> None:
    # Decoding runs at start-up and in every worker: a real file must stay far below a millisecond budget.
    raw = yaml.safe_load((ROOT / "services_demo" / "gateway.yaml").read_text())
    raw["subgraphs"] = {f"s{i}": {"url": f"http://127.0.0.1:{4000 + i}/graphql", "timeout": 1} for i in range(50)}
    from_dict(GatewayConfig, raw, "warm-up")
    rounds = 20
    started = time.perf_counter()
    for _ in range(rounds):
        from_dict(GatewayConfig, raw, "bench")
    assert (time.perf_counter() - started) / rounds < 0.05


# (file text, key the error names, what it says) -- for each section: a wrong type, an unknown key
# with its suggestion, a value out of range, and the rules spanning fields.
FILE_ERRORS = [
    ("server: {port: '4000'}", "server.port", "expected an integer, got str '4000'"),
    ("server: {port: true}", "server.port", "expected an integer, got bool True"),
    ("server: {prot: 1}", "server.prot", "unknown key (did you mean 'port'?)"),
    ("server: {port: 70000}", "server.port", "must be between 0 and 65535, got 70000"),
    ("server: {port: -1}", "server.port", "must be between 0 and 65535, got -1"),
    ("server: {workers: 0}", "server.workers", "must be at least 1, got 0"),
    ("server: {graceful_timeout: -1}", "server.graceful_timeout", "must be at least 0"),
    ("server: {log_level: loud}", "server.log_level", "expected one of 'debug', 'info', 'warning', 'error'"),
    ("sever: {}", "sever", "unknown key (did you mean 'server'?)"),
    ("supergraph: {path: 3}", "supergraph.path", "expected a string, got int 3"),
    ("supergraph: {pth: a}", "supergraph.pth", "unknown key (did you mean 'path'?)"),
    ("supergraph: {poll_interval: -0.5}", "supergraph.poll_interval", "must be at least 0, got -0.5"),
    ("supergraph: {path: a, config: b}", "supergraph.config", "give path or config, not both"),
    ("subgraphs: [a]", "subgraphs", "expected a mapping, got a list"),
    ("subgraphs: {a: {url: [1]}}", "subgraphs.a.url[0]", "expected a string, got int 1"),
    ("subgraphs: {a: {max_connections: many}}", "subgraphs.a.max_connections", "expected an integer, got str"),
    ("subgraphs: {a: {max_conections: 3}}", "subgraphs.a.max_conections", "did you mean 'max_connections'?"),
    ("subgraphs: {a: {timeout: 0}}", "subgraphs.a.timeout", "must be greater than 0, got 0.0"),
    ("subgraphs: {a: {connect_timeout: -1}}", "subgraphs.a.connect_timeout", "must be greater than 0"),
    ("subgraphs: {a: {max_connections: 0}}", "subgraphs.a.max_connections", "must be at least 1, got 0"),
    ("subgraphs: {a: {max_waiters: -1}}", "subgraphs.a.max_waiters", "must be at least 0, got -1"),
    ("subgraphs: {a: {headers: {x: [1]}}}", "subgraphs.a.headers.x", "expected a string, got a list"),
    ("http: {graphiql: 'yes'}", "http.graphiql", "expected a boolean, got str 'yes'"),
    ("http: {graphiq: false}", "http.graphiq", "did you mean 'graphiql'?"),
    ("http: {max_body_bytes: 0}", "http.max_body_bytes", "must be at least 1, got 0"),
    ("http: {path: graphql}", "http.path", "must start with '/'"),
    ("http: {cors: {origins: 3}}", "http.cors.origins", "expected a list, got int 3"),
    ("http: {cors: {origin: [a]}}", "http.cors.origin", "did you mean 'origins'?"),
    ("http: {cors: {max_age: -1}}", "http.cors.max_age", "must be at least 0"),
    ("http: {cors: {origins: ['*'], allow_credentials: true}}", "http.cors.allow_credentials",
     "cannot be used with origins '*'"),
    ("http: {csrf: {enabled: 1}}", "http.csrf.enabled", "expected a boolean, got int 1"),
    ("policies: []", "policies", "expected a mapping, got a list"),
    ("policies: {limitz: {}}", "policies.limitz", "did you mean 'limits'?"),
    ("policies: {persisted_queries: {safelist: nope}}", "policies.persisted_queries.safelist",
     "expected a boolean, got str 'nope'"),
    ("policies: {persisted_queries: {apq_cache_size: -1}}", "policies.persisted_queries.apq_cache_size",
     "must be at least 0"),
    ("policies: {persisted_queries: {redis_ttl: 0}}", "policies.persisted_queries.redis_ttl", "greater than 0"),
    ("policies: {persisted_queries: {safe_list: true}}", "policies.persisted_queries.safe_list",
     "did you mean 'safelist'?"),
    ("policies: {limits: {max_depth: '10'}}", "policies.limits.max_depth", "expected an integer, got str '10'"),
    ("policies: {limits: {max_depth: 2.5}}", "policies.limits.max_depth", "expected an integer, got float 2.5"),
    ("policies: {limits: {max_dept: 3}}", "policies.limits.max_dept", "did you mean 'max_depth'?"),
    ("policies: {limits: {max_aliases: -2}}", "policies.limits.max_aliases", "must be at least 0, got -2"),
    ("policies: {authentication: {leeway: soon}}", "policies.authentication.leeway", "expected a number"),
    ("policies: {authentication: {issuer: [a]}}", "policies.authentication.issuer", "did you mean 'issuers'?"),
    ("policies: {authentication: {poll_interval: 0}}", "policies.authentication.poll_interval", "greater than 0"),
    ("policies: {authentication: {jwks_url: 'http://127.0.0.1/jwks', jwks_file: x}}",
     "policies.authentication.jwks_file", "give jwks_url or jwks_file, not both"),
    ("policies: {authentication: {algorithms: [RS256, none]}}", "policies.authentication.algorithms",
     "'none' is never accepted"),
    ("policies: {authorization: {mode: maybe}}", "policies.authorization.mode",
     "expected one of 'filter', 'reject', 'dry_run', got str 'maybe'"),
    ("policies: {authorization: {mode: rejct}}", "policies.authorization.mode", "(did you mean 'reject'?)"),
    ("policies: {authorization: {policies: [a]}}", "policies.authorization.policies[0]", "expected a list of 2"),
    ("policies: {authorization: {policies: {hr: 3}}}", "policies.authorization.policies.hr", "got int 3"),
    ("policies: {authorization: {policies: {hr: no_colon}}}", "policies.authorization.policies.hr",
     "expected 'module:function'"),
    ("policies: {authorization: {scope_clam: scp}}", "policies.authorization.scope_clam",
     "did you mean 'scope_claim'?"),
    ("policies: {demand_control: {mode: always}}", "policies.demand_control.mode",
     "expected one of 'measure', 'enforce'"),
    ("policies: {demand_control: {max_cost: -1}}", "policies.demand_control.max_cost", "must be at least 0"),
    ("policies: {demand_control: {default_list_size: ten}}", "policies.demand_control.default_list_size",
     "expected an integer"),
    ("policies: {demand_control: {max_costs: 1}}", "policies.demand_control.max_costs", "did you mean 'max_cost'?"),
]


@pytest.mark.parametrize(("text", "key", "message"), FILE_ERRORS)
def test_file_errors_name_the_file_and_the_key(tmp_path: Path, text: str, key: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert caught.value.key == key
    assert str(caught.value).startswith(f"{path}: {key}: ")
    assert message in str(caught.value)
    assert "environment variable" not in str(caught.value)


# (variable, value, key the error names, what it says): the error names the variable, not the file.
ENV_ERRORS = [
    ("FEDERATION_SERVER__PORT", "x", "server.port", "expected an integer, got str 'x'"),
    ("FEDERATION_SERVER__PORT", "70000", "server.port", "must be between 0 and 65535"),
    ("FEDERATION_SERVER__NOPE", "1", "server.nope", "unknown key"),
    ("FEDERATION_SUBGRAPHS__ACCOUNTS__MAX_WAITERS", "-1", "subgraphs.accounts.max_waiters", "must be at least 0"),
    ("FEDERATION_POLICIES__PERSISTED_QUERIES__SAFELIST", "nope", "policies.persisted_queries.safelist",
     "expected a boolean, got str 'nope'"),
    ("FEDERATION_POLICIES__LIMITS__MAX_DEPTH", "-3", "policies.limits.max_depth", "must be at least 0, got -3"),
    ("FEDERATION_POLICIES__AUTHORIZATION__MODE", "strict", "policies.authorization.mode", "expected one of"),
    # A rule spanning fields names the key the variable set (the file gives supergraph.path).
    ("FEDERATION_SUPERGRAPH__CONFIG", "supergraph.yaml", "supergraph.config", "give path or config, not both"),
    # A whole section set by one variable: the error inside it still names that variable.
    ("FEDERATION_POLICIES__LIMITS", "{max_depht: 1}", "policies.limits.max_depht", "did you mean 'max_depth'?"),
]


@pytest.mark.parametrize(("variable", "value", "key", "message"), ENV_ERRORS)
def test_environment_errors_name_the_variable(
    tmp_path: Path, variable: str, value: str, key: str, message: str
) -> None:
    path = write(tmp_path, "supergraph: {path: supergraph.graphql}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, {variable: value})
    assert caught.value.key == key
    assert message in str(caught.value)
    assert str(caught.value) == f"{key}: {caught.value.reason} (set by environment variable {variable})"


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("- 1", {}, "top level must be a mapping, got a list"),
        ("server: {port: [", {}, "not valid YAML"),
        ("", {"FEDERATION_SERVER____PORT": "1"}, "environment variable FEDERATION_SERVER____PORT: empty key"),
        ("", {"FEDERATION_SERVER__PORT": "[1"}, "environment variable FEDERATION_SERVER__PORT: not a YAML value"),
    ],
)
def test_documents_that_are_not_a_config(tmp_path: Path, text: str, env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), env)
    assert message in str(caught.value)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "absent.yaml", {})


def test_every_key_is_in_the_readme() -> None:
    # tests/policies/test_readme.py does the same for `policies.*`.
    text = (ROOT / "README.md").read_text(encoding="utf-8")

    def keys(cls: type, prefix: str) -> list[str]:
        found = []
        for f in dataclasses.fields(cls):
            nested = getattr(cls(), f.name)
            found += keys(type(nested), f"{prefix}{f.name}.") if dataclasses.is_dataclass(nested) else [prefix + f.name]
        return found

    sections = {"server": ServerConfig, "supergraph": SupergraphConfig, "subgraphs.<name>": SubgraphConfig,
                "http": HttpConfig}
    for name, cls in sections.items():
        for key in keys(cls, f"{name}."):
            assert f"| `{key}` |" in text, key
