"""The traffic keys of gateway.yaml: decoded strictly, ``subgraph_defaults`` filling what a subgraph
leaves unset, and the endpoints the serving state builds from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from federation.config import (
    BreakerConfig,
    ConfigError,
    EjectionConfig,
    GatewayConfig,
    HealthCheckConfig,
    RetryConfig,
)
from federation.config_loader import load_config
from federation.gateway import Gateway

from .supergraphs import SHOP, supergraph

YAML = """
traffic: {request_timeout: 2.5}
subgraph_defaults:
  timeout: 4
  max_response_bytes: 1000
  retry: {max_retries: 2, budget_ratio: 0.1}
  health_check: {path: /health, interval: 2}
subgraphs:
  products:
    url: [http://127.0.0.1:1/graphql, http://127.0.0.1:2/graphql]
    timeout: 1.5
    breaker: {failures: 3, open_for: 1}
    health_check: {enabled: false}
"""


def load(tmp_path: Path, text: str) -> GatewayConfig:
    path = tmp_path / "gateway.yaml"
    path.write_text(text)
    return load_config(path, {})


def test_defaults_fill_what_a_subgraph_leaves_unset(tmp_path: Path) -> None:
    config = load(tmp_path, YAML)
    assert config.traffic.request_timeout == 2.5
    products, reviews = config.subgraph("products"), config.subgraph("reviews")
    assert (products.timeout, products.max_response_bytes) == (1.5, 1000)
    assert products.retry == RetryConfig(max_retries=2, budget_ratio=0.1)
    assert products.breaker == BreakerConfig(failures=3, open_for=1.0)
    assert products.health_check == HealthCheckConfig(enabled=False)
    assert (reviews.timeout, reviews.breaker) == (4.0, None)
    assert reviews.health_check == HealthCheckConfig(path="/health", interval=2.0)


def test_the_serving_state_builds_endpoints_from_them(tmp_path: Path) -> None:
    config = load(tmp_path, YAML)
    gateway = Gateway.from_sdl(supergraph({"products": "http://127.0.0.1:3/graphql",
                                           "reviews": "http://127.0.0.1:4/graphql"}, SHOP), config)
    products = gateway._state.client.endpoints["PRODUCTS"]
    reviews = gateway._state.client.endpoints["REVIEWS"]
    assert products.urls == ("http://127.0.0.1:1/graphql", "http://127.0.0.1:2/graphql")
    assert (products.timeout, products.max_response_bytes, products.breaker.failures) == (1.5, 1000, 3)
    assert reviews.ejection == EjectionConfig() and reviews.breaker == BreakerConfig()
    assert reviews.health_check is not None and reviews.health_check.path == "/health"
    bare = Gateway.from_sdl(supergraph({"products": "http://127.0.0.1:3/graphql",
                                        "reviews": "http://127.0.0.1:4/graphql"}, SHOP))
    assert bare._state.client.endpoints["PRODUCTS"].max_response_bytes == 10 * 1024 * 1024


@pytest.mark.parametrize(("text", "message"), [
    ("subgraph_defaults: {url: http://x}", "subgraph_defaults.url: a URL belongs to one subgraph"),
    ("traffic: {request_timeout: 0}", "traffic.request_timeout: must be greater than 0"),
    ("subgraphs: {a: {breaker: {ratio: 0}}}", "subgraphs.a.breaker.ratio: must be between 0 and 1"),
    ("subgraphs: {a: {retry: {budget_ratio: 2}}}", "subgraphs.a.retry.budget_ratio: must be between 0 and 1"),
    ("subgraphs: {a: {max_response_bytes: 0}}", "subgraphs.a.max_response_bytes: must be at least 1"),
    ("subgraphs: {a: {health_check: {path: /h, query: '{ a }'}}}", "subgraphs.a.health_check.query: give path"),
    ("subgraphs: {a: {ejection: {failure: 3}}}", "did you mean 'failures'?"),
])  # fmt: skip
def test_bad_values_name_their_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    assert message in str(caught.value)
