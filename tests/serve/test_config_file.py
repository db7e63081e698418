"""gateway.yaml: defaults, file values, FEDERATION_* overrides, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from federation.config import ConfigError, GatewayConfig, SubgraphConfig
from federation.config_loader import load_config


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
    assert config.policies == {"limits": {"max_depth": 10}}


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
    assert config.policies == {"limits": {"max_depth": 5}}


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("server: {prot: 1}", {}, "unknown key 'server.prot' (did you mean 'port'?)"),
        ("sever: {}", {}, "unknown key 'sever' (did you mean 'server'?)"),
        ("server: {port: '4000'}", {}, "server.port: expected an integer, got a string"),
        ("server: {port: true}", {}, "server.port: expected an integer, got a boolean"),
        ("http: {graphiql: 'yes'}", {}, "http.graphiql: expected true or false"),
        ("http: {cors: {origins: 3}}", {}, "http.cors.origins: expected a list, got int"),
        ("subgraphs: [a]", {}, "subgraphs: expected a mapping, got a list"),
        ("subgraphs: {a: {url: [1]}}", {}, "subgraphs.a.url[0]: expected a string"),
        ("- 1", {}, "top level must be a mapping"),
        ("server: {port: [", {}, "not valid YAML"),
        ("server: {port: 70000}", {}, "server.port must be between 0 and 65535"),
        ("http: {path: graphql}", {}, "http.path must start with '/'"),
        ("http: {cors: {origins: ['*'], allow_credentials: true}}", {}, "cannot be used with origins '*'"),
        ("supergraph: {path: a, config: b}", {}, "not both"),
        ("", {"FEDERATION_SERVER__PORT": "x"}, "(set by environment variable FEDERATION_SERVER__PORT)"),
        ("", {"FEDERATION_SERVER__NOPE": "1"}, "unknown key 'server.nope'"),
        ("", {"FEDERATION_SERVER____PORT": "1"}, "empty key"),
    ],
)
def test_errors_name_the_key(tmp_path: Path, text: str, env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), env)
    assert message in str(caught.value)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "absent.yaml", {})
