"""Header rules on their own: request rules applied in order, the keys that configure them (and the
errors naming those keys), and the merge of subgraph answer headers for the client."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import orjson
import pytest

from federation.config import (
    ConfigError,
    GatewayConfig,
    HeaderRule,
    InsertHeader,
    PropagateHeader,
    RemoveHeader,
    ResponseHeadersConfig,
    SubgraphConfig,
)
from federation.config_loader import from_dict, load_config
from federation.execution.headers import (
    RequestHeaderRules,
    ResponseHeaderRules,
    ResponseHeaders,
    request_rules,
)
from federation.gateway import Gateway
from federation.pipeline.execute import _forwarded

from .supergraphs import SHOP, supergraph


def propagate(named: str | None = None, matching: str | None = None, rename: str | None = None,
              default: str | None = None) -> HeaderRule:
    return HeaderRule(propagate=PropagateHeader(named, matching, rename, default))


def insert(name: str, value: str) -> HeaderRule:
    return HeaderRule(insert=InsertHeader(name, value))


def remove(named: str | None = None, matching: str | None = None) -> HeaderRule:
    return HeaderRule(remove=RemoveHeader(named, matching))


CLIENT = {"authorization": "Bearer t", "x-tenant": "acme", "x-acme-a": "1", "x-acme-b": "2", "cookie": "s=1",
          "host": "gw:4000", "content-length": "42", "connection": "keep-alive", "proxy-authorization": "Basic x",
          "accept-encoding": "gzip", "te": "trailers"}


def apply(*rules: HeaderRule, client: dict[str, str] = CLIENT) -> dict[str, str]:
    return RequestHeaderRules(rules).apply(client)


def test_nothing_is_propagated_without_a_rule() -> None:
    assert apply() == {}


def test_propagate_by_name_only_what_the_client_sent() -> None:
    assert apply(propagate("authorization"), propagate("x-absent")) == {"authorization": "Bearer t"}


def test_rename_and_default() -> None:
    assert apply(propagate("x-tenant", rename="X-Org")) == {"x-org": "acme"}
    assert apply(propagate("x-absent", rename="x-user", default="anonymous")) == {"x-user": "anonymous"}
    assert apply(propagate("x-tenant", default="none")) == {"x-tenant": "acme"}  # the client's value wins


def test_insert_sets_or_replaces() -> None:
    assert apply(propagate("x-tenant"), insert("x-tenant", "fixed"), insert("x-gw", "1")) == {
        "x-tenant": "fixed", "x-gw": "1"}


def test_rules_apply_in_order() -> None:
    # A propagate after an insert replaces its value; a remove drops only what came before it.
    assert apply(insert("x-tenant", "fixed"), propagate("x-tenant")) == {"x-tenant": "acme"}
    assert apply(propagate("x-tenant"), remove("x-tenant")) == {}
    assert apply(remove("x-tenant"), propagate("x-tenant")) == {"x-tenant": "acme"}


def test_regex_propagate_and_remove() -> None:
    assert apply(propagate(matching="x-acme-.*")) == {"x-acme-a": "1", "x-acme-b": "2"}
    # The whole name must match, case-insensitively.
    assert apply(propagate(matching="acme")) == {}
    assert apply(propagate(matching="X-ACME-A")) == {"x-acme-a": "1"}
    assert apply(propagate(matching="x-.*"), remove(matching="x-acme-.*")) == {"x-tenant": "acme"}
    assert apply(propagate(matching="x-.*"), remove(named="X-Tenant")) == {"x-acme-a": "1", "x-acme-b": "2"}


def test_hop_by_hop_and_body_headers_are_never_propagated_by_regex() -> None:
    everything = apply(propagate(matching=".*"))
    assert set(everything) == {"authorization", "x-tenant", "x-acme-a", "x-acme-b", "cookie"}


def test_trace_context_first_then_propagate_headers_then_rules() -> None:
    rules = request_rules(("traceparent",), ("authorization",), (remove("authorization"), insert("x-a", "1")))
    client = {"traceparent": "00-1-2-01", "authorization": "Bearer t"}
    assert rules.apply(client) == {"traceparent": "00-1-2-01", "x-a": "1"}
    assert rules.reads == {"traceparent", "authorization"}
    assert not rules.scans
    assert rules.constant == {"x-a": "1"}


def test_subgraph_rules_follow_the_defaults_rules() -> None:
    defaults = SubgraphConfig(request_headers=(propagate("x-tenant"),), response_headers=ResponseHeadersConfig(
        propagate=("set-cookie",)))
    config = GatewayConfig(subgraphs={"a": SubgraphConfig(request_headers=(remove("x-tenant"),)),
                                      "b": SubgraphConfig(timeout=1)}, subgraph_defaults=defaults)
    assert config.subgraph("a").request_headers == (propagate("x-tenant"), remove("x-tenant"))
    assert config.subgraph("b").request_headers == (propagate("x-tenant"),)
    assert config.subgraph("c").request_headers == (propagate("x-tenant"),)
    assert config.subgraph("a").response_headers == ResponseHeadersConfig(propagate=("set-cookie",))


YAML = """
subgraph_defaults:
  request_headers:
    - propagate: {named: x-tenant}
subgraphs:
  products:
    request_headers:
      - propagate: {named: x-user, rename: x-user-id, default: anonymous}
      - propagate: {matching: "x-acme-.*"}
      - insert: {name: x-gateway, value: federation}
      - remove: {matching: "x-acme-b"}
    response_headers: {propagate: [Set-Cookie, cache-control], matching: ["x-trace-.*"]}
"""


def test_the_keys_decode_and_survive_the_trip_to_workers(tmp_path: Path) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text(YAML)
    config = load_config(path, {})
    products = config.subgraph("products")
    assert products.request_headers == (
        propagate("x-tenant"), propagate("x-user", rename="x-user-id", default="anonymous"),
        propagate(matching="x-acme-.*"), insert("x-gateway", "federation"), remove(matching="x-acme-b"))
    assert products.response_headers == ResponseHeadersConfig(("Set-Cookie", "cache-control"), ("x-trace-.*",))
    sent = orjson.loads(orjson.dumps(dataclasses.asdict(config)))
    assert from_dict(GatewayConfig, sent, "worker configuration") == config


@pytest.mark.parametrize(("text", "message"), [
    ("subgraphs: {a: {request_headers: [{propagate: {matching: 'x-(('}}]}}",
     "subgraphs.a.request_headers[0].propagate.matching: not a valid regular expression"),
    ("subgraph_defaults: {request_headers: [{remove: {matching: '[a'}}]}",
     "subgraph_defaults.request_headers[0].remove.matching: not a valid regular expression"),
    ("subgraphs: {a: {response_headers: {matching: ['*x']}}}",
     "subgraphs.a.response_headers.matching[0]: not a valid regular expression"),
    ("subgraphs: {a: {request_headers: [{propagate: {}}]}}",
     "subgraphs.a.request_headers[0].propagate.named: give named or matching"),
    ("subgraphs: {a: {request_headers: [{propagate: {named: a, matching: b}}]}}",
     "subgraphs.a.request_headers[0].propagate.matching: give named or matching"),
    ("subgraphs: {a: {request_headers: [{propagate: {matching: 'x-.*', rename: y}}]}}",
     "subgraphs.a.request_headers[0].propagate.rename: rename and default go with named"),
    ("subgraphs: {a: {request_headers: [{insert: {name: a, value: b}, remove: {named: a}}]}}",
     "subgraphs.a.request_headers[0]: give exactly one of propagate, insert, remove (got insert, remove)"),
    ("subgraphs: {a: {request_headers: [{}]}}", "subgraphs.a.request_headers[0]: give exactly one"),
    ("subgraphs: {a: {request_headers: [{propagate: {named: Connection}}]}}",
     "subgraphs.a.request_headers[0].propagate.named: 'Connection' is hop-by-hop"),
    ("subgraphs: {a: {request_headers: [{propagate: {named: proxy-authorization}}]}}",
     "propagate.named: 'proxy-authorization' is hop-by-hop"),
    ("subgraphs: {a: {request_headers: [{propagate: {named: x, rename: host}}]}}",
     "subgraphs.a.request_headers[0].propagate.rename: 'host' is hop-by-hop"),
    ("subgraphs: {a: {request_headers: [{insert: {name: content-length, value: '1'}}]}}",
     "subgraphs.a.request_headers[0].insert.name: 'content-length' is hop-by-hop"),
    ("subgraphs: {a: {request_headers: [{insert: {name: 'x a', value: '1'}}]}}",
     "subgraphs.a.request_headers[0].insert.name: not a header name"),
    ("subgraphs: {a: {request_headers: [{insert: {name: x, value: \"1\\r\\nhost: evil\"}}]}}",
     "subgraphs.a.request_headers[0].insert.value: a header value cannot contain a line break"),
    ("subgraphs: {a: {request_headers: [{propagate: {named: x, default: \"1\\n\"}}]}}",
     "propagate.default: a header value cannot contain a line break"),
    ("subgraphs: {a: {request_headers: [{propagte: {named: x}}]}}", "did you mean 'propagate'?"),
    ("subgraphs: {a: {response_headers: {propagate: [transfer-encoding]}}}",
     "subgraphs.a.response_headers.propagate[0]: 'transfer-encoding' is hop-by-hop"),
    ("subgraphs: {a: {propagate_headers: [te]}}", "subgraphs.a.propagate_headers[0]: 'te' is hop-by-hop"),
])  # fmt: skip
def test_config_errors_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, {})
    assert message in str(caught.value)


def test_without_rules_a_request_builds_no_headers() -> None:
    sdl = supergraph({"products": "http://127.0.0.1:1/graphql", "reviews": "http://127.0.0.1:2/graphql"}, SHOP)
    state = Gateway.from_sdl(sdl)._state
    assert state.forwarded_names == {"traceparent", "tracestate"} and not state.header_scan
    assert _forwarded(state, {"authorization": "Bearer t", "cookie": "s=1"}) is None
    assert _forwarded(state, {"traceparent": "t"}) == {"PRODUCTS": {"traceparent": "t"},
                                                         "REVIEWS": {"traceparent": "t"}}
    assert state.response_headers == {}


def test_constant_headers_are_computed_once() -> None:
    config = GatewayConfig(subgraphs={"products": SubgraphConfig(request_headers=(insert("x-gw", "1"),))})
    sdl = supergraph({"products": "http://127.0.0.1:1/graphql", "reviews": "http://127.0.0.1:2/graphql"}, SHOP)
    state = Gateway.from_sdl(sdl, config)._state
    first = _forwarded(state, {"cookie": "s=1"})
    assert first == {"PRODUCTS": {"x-gw": "1"}}
    assert _forwarded(state, {}) is first


# -- answer headers -----------------------------------------------------------------------------

def answer(*pairs: tuple[str, str]) -> list[tuple[bytes, bytes]]:
    return [(k.encode(), v.encode()) for k, v in pairs]


def collect(*answers: list[tuple[bytes, bytes]] | None, config: ResponseHeadersConfig | None = None,
            has_errors: bool = False) -> list[tuple[str, str]]:
    rules = ResponseHeaderRules(config or ResponseHeadersConfig(propagate=("cache-control",)))
    collected = ResponseHeaders({"A": rules, "B": rules})
    for i, headers in enumerate(answers):
        collected.answered("AB"[i % 2], headers)
    return collected.headers(has_errors)


def cache_control(*values: str) -> str | None:
    got = dict(collect(*(answer(("Cache-Control", v)) for v in values)))
    return got.get("cache-control")


@pytest.mark.parametrize(("values", "merged"), [
    (("public, max-age=60", "public, max-age=30"), "public, max-age=30"),
    (("public, max-age=60", "private, max-age=120"), "private, max-age=60"),
    (("public, max-age=60", "no-cache"), "no-cache"),
    (("no-cache", "no-store"), "no-store"),
    (("max-age=10", "public, max-age=20"), "max-age=10"),
    (("public, max-age=600, s-maxage=60", "public, max-age=300"), "public, max-age=60"),
    (("public", "public, max-age=60"), "public, max-age=0"),  # no lifetime given: none assumed
    (("public, max-age=soon",), "public, max-age=0"),
    (("PUBLIC, Max-Age=5",), "public, max-age=5"),
])  # fmt: skip
def test_cache_control_merges_to_the_most_restrictive(values: tuple[str, ...], merged: str) -> None:
    assert cache_control(*values) == merged


def test_one_answer_without_cache_control_makes_it_uncacheable() -> None:
    assert collect(answer(("cache-control", "public, max-age=60")), answer(("x-other", "1"))) == []
    assert collect(answer(("x-other", "1")), answer(("cache-control", "public, max-age=60"))) == []


def test_a_failed_fetch_or_errors_make_it_uncacheable() -> None:
    assert collect(answer(("cache-control", "max-age=60")), None) == []
    assert collect(answer(("cache-control", "max-age=60")), has_errors=True) == []
    assert collect() == []  # no fetch at all: nothing to say


def test_a_subgraph_not_configured_for_cache_control_makes_it_uncacheable() -> None:
    rules = ResponseHeaderRules(ResponseHeadersConfig(propagate=("cache-control",)))
    collected = ResponseHeaders({"A": rules})
    collected.answered("A", answer(("cache-control", "max-age=60")))
    collected.answered("B", None)  # a subgraph with no response_headers hands up nothing
    assert collected.headers(False) == []
    without = ResponseHeaders({"A": ResponseHeaderRules(ResponseHeadersConfig(propagate=("x-a",)))})
    without.answered("A", answer(("cache-control", "max-age=60"), ("x-a", "1")))
    assert without.headers(False) == [("x-a", "1")]


def test_every_value_of_a_passed_header_and_set_cookie_makes_it_private() -> None:
    config = ResponseHeadersConfig(propagate=("Set-Cookie", "cache-control"), matching=("x-trace-.*",))
    got = collect(answer(("Set-Cookie", "a=1"), ("set-cookie", "b=2"), ("cache-control", "public, max-age=9"),
                         ("x-trace-id", "t1"), ("x-other", "no"), ("content-type", "application/json")),
                  answer(("set-cookie", "c=3"), ("cache-control", "max-age=5")), config=config)
    assert got == [("set-cookie", "a=1"), ("set-cookie", "b=2"), ("x-trace-id", "t1"), ("set-cookie", "c=3"),
                   ("cache-control", "private, max-age=5")]


def test_regex_never_passes_framing_headers_on() -> None:
    got = collect(answer(("content-length", "5"), ("transfer-encoding", "chunked"), ("x-a", "1")),
                  config=ResponseHeadersConfig(matching=(".*",)))
    assert got == [("x-a", "1")]
