"""The registry over real HTTP (a ``federation registry serve`` per backend): the poll endpoint's
contract, the GraphQL API's mutations and refusals, tokens, and hostile input (never a 500)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .conftest import Running
from .registry_process import DEMO_SUBGRAPHS, demo_sdl

PUBLISH = """mutation($g: String!, $v: String!, $n: String!, $u: String!, $s: String!, $m: JSON) {
  r: publishSubgraph(graph: $g, variant: $v, name: $n, routingUrl: $u, sdl: $s, commit: "abc123", metadata: $m) {
    error { code message } noop refused
    composition { id sequence refused errors { code message subgraphs coordinate } }
    subgraph { name publishedBy commit metadata }
  }
}"""
TOKEN = """mutation($role: String!, $g: String, $s: String) {
  r: createToken(role: $role, graph: $g, subgraph: $s) { error { code message } token info { id role } }
}"""


def gql(url: str, token: str | None, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(f"{url}/graphql", json={"query": query, "variables": variables or {}}, headers=headers,
                          timeout=30)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def publish(reg: Running, token: str, graph: str, name: str, sdl: str | None = None, url: str = "",
            variant: str = "prod", metadata: Any = None) -> dict[str, Any]:
    variables = {"g": graph, "v": variant, "n": name, "u": url or f"http://127.0.0.1:4001/{name}",
                 "s": demo_sdl(name) if sdl is None else sdl, "m": metadata}
    body = gql(reg.url, token, PUBLISH, variables)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["r"]
    return result


def token(reg: Running, role: str, graph: str | None = None, subgraph: str | None = None) -> str:
    r = gql(reg.url, reg.admin, TOKEN, {"role": role, "g": graph, "s": subgraph})["data"]["r"]
    assert r["error"] is None, r
    return str(r["token"])


def poll(reg: Running, graph: str, token: str | None, since: str | None = None,
         variant: str = "prod") -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    params = {"since": since} if since else None
    return httpx.get(f"{reg.url}/v1/graphs/{graph}/variants/{variant}/supergraph", params=params, headers=headers)


def test_poll_updated_unchanged_and_after_changes(registry: Running, graph_name: str) -> None:
    reader = token(registry, "read", graph_name)
    for name in DEMO_SUBGRAPHS:
        assert publish(registry, registry.admin, graph_name, name)["error"] is None
    first = poll(registry, graph_name, reader)
    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"status", "id", "supergraph_sdl", "min_delay_seconds"}
    assert body["status"] == "updated" and body["min_delay_seconds"] == 0.5
    assert "@join__graph(name: \"inventory\"" in body["supergraph_sdl"]
    same = poll(registry, graph_name, reader, since=body["id"]).json()
    assert same == {"status": "unchanged", "id": body["id"], "min_delay_seconds": 0.5}
    # A refused publish changes nothing a gateway sees.
    refused = publish(registry, registry.admin, graph_name, "accounts", "type Query { broken: Nope }")
    assert refused["refused"] and refused["error"]["code"] == "COMPOSITION_REFUSED"
    assert poll(registry, graph_name, reader, since=body["id"]).json()["status"] == "unchanged"
    # An identical publish is a no-op: no new entry, nothing new to poll.
    assert publish(registry, registry.admin, graph_name, "accounts")["noop"] is True
    # A real change and then a rollback: each a new id, the rollback serving the first SDL again.
    moved = publish(registry, registry.admin, graph_name, "accounts", url="http://127.0.0.1:4999/accounts")
    polled = poll(registry, graph_name, reader, since=body["id"]).json()
    assert polled["status"] == "updated" and polled["id"] == moved["composition"]["id"]
    back = gql(registry.url, registry.admin,
               'mutation($g: String!, $to: ID!) { r: rollback(graph: $g, variant: "prod", to: $to) '
               "{ error { code } composition { id trigger sequence } } }", {"g": graph_name, "to": body["id"]})
    entry = back["data"]["r"]["composition"]
    assert entry["trigger"] == "rollback" and entry["sequence"] == 7
    assert entry["id"] not in (body["id"], moved["composition"]["id"])
    after = poll(registry, graph_name, reader, since=polled["id"]).json()
    assert after["status"] == "updated" and after["id"] == entry["id"]
    assert after["supergraph_sdl"] == body["supergraph_sdl"]


def test_poll_errors(registry: Running, graph_name: str) -> None:
    reader = token(registry, "read", graph_name)
    other = token(registry, "read", f"{graph_name}x")
    cases = [
        (poll(registry, graph_name, None), 401, "UNAUTHENTICATED"),
        (poll(registry, graph_name, "fedreg_0000000000000000_nope"), 401, "UNAUTHENTICATED"),
        (poll(registry, graph_name, other), 403, "FORBIDDEN"),
        (poll(registry, graph_name, reader), 404, "GRAPH_NOT_FOUND"),
        (poll(registry, "1bad", reader), 400, "BAD_REQUEST"),
        (poll(registry, graph_name, reader, since="not a version!"), 400, "BAD_REQUEST"),
    ]
    # A variant whose only publish was refused exists but has nothing to serve.
    publish(registry, registry.admin, graph_name, "inventory", variant="empty")
    cases.append((poll(registry, graph_name, reader, variant="empty"), 404, "NO_SUPERGRAPH"))
    for response, status, code in cases:
        assert response.status_code == status, response.text
        body = response.json()
        assert body["status"] == "error" and body["code"] == code and body["message"]
        assert body["min_delay_seconds"] == 0.5


def test_token_scopes(registry: Running, graph_name: str) -> None:
    team = token(registry, "publish", graph_name, "products")
    reader = token(registry, "read", graph_name)
    assert publish(registry, team, graph_name, "products")["error"] is None
    assert publish(registry, team, graph_name, "inventory")["error"]["code"] == "FORBIDDEN"
    assert publish(registry, team, f"{graph_name}x", "products")["error"]["code"] == "FORBIDDEN"
    assert publish(registry, reader, graph_name, "products")["error"]["code"] == "FORBIDDEN"
    nobody = gql(registry.url, None, PUBLISH, {"g": graph_name, "v": "prod", "n": "products", "u": "http://h/p",
                                               "s": demo_sdl("products")})
    assert nobody["data"]["r"]["error"]["code"] == "UNAUTHENTICATED"
    published = publish(registry, registry.admin, graph_name, "inventory", metadata={"team": "stock"})
    assert published["subgraph"]["publishedBy"] == "admin" and published["subgraph"]["metadata"] == {"team": "stock"}
    assert gql(registry.url, reader, TOKEN, {"role": "admin"})["data"]["r"]["error"]["code"] == "FORBIDDEN"
    listed = gql(registry.url, reader, "{ graphs { name variants { name servedId } } }")
    assert [g["name"] for g in listed["data"]["graphs"]] == [graph_name]
    # Revoked: refused from then on.
    r = gql(registry.url, registry.admin, TOKEN, {"role": "read", "g": graph_name})["data"]["r"]
    assert poll(registry, graph_name, r["token"]).status_code == 200
    revoked = gql(registry.url, registry.admin, 'mutation($id: ID!) { r: revokeToken(id: $id) '
                  "{ error { code } info { revokedAt } } }", {"id": r["info"]["id"]})
    assert revoked["data"]["r"]["info"]["revokedAt"]
    assert poll(registry, graph_name, r["token"]).status_code == 401


def test_queries(registry: Running, graph_name: str) -> None:
    for name in ("products", "inventory"):
        publish(registry, registry.admin, graph_name, name)
    query = """query($g: String!) {
      variant(graph: $g, variant: "prod") { servedId lastSequence }
      subgraphs(graph: $g, variant: "prod") { name commit }
      history(graph: $g, variant: "prod") { id sequence subgraphs { name } }
      diff(graph: $g, variant: "prod") { fromId toId text }
    }"""
    data = gql(registry.url, registry.admin, query, {"g": graph_name})["data"]
    assert data["variant"]["lastSequence"] == 2
    assert [s["name"] for s in data["subgraphs"]] == ["inventory", "products"]
    assert data["subgraphs"][0]["commit"] == "abc123"
    assert data["diff"]["toId"] == data["variant"]["servedId"] == data["history"][0]["id"]
    assert "+  INVENTORY @join__graph" in data["diff"]["text"]
    one = gql(registry.url, registry.admin, "query($id: ID!) { composition(id: $id) { sequence } }",
              {"id": data["history"][1]["id"]})
    assert one["data"]["composition"]["sequence"] == 1
    missing = gql(registry.url, registry.admin, '{ composition(id: "nope") { sequence } }')
    assert missing["errors"][0]["extensions"]["code"] == "VERSION_NOT_FOUND"


@pytest.mark.parametrize("body,content_type,status,code", [
    (b"{not json", "application/json", 400, "BAD_REQUEST"),
    (b"[1, 2]", "application/json", 400, "BAD_REQUEST"),
    (b'{"query": 5}', "application/json", 400, "BAD_REQUEST"),
    (b'{"query": "{ graphs { name } }", "variables": [1]}', "application/json", 400, "BAD_REQUEST"),
    (b"\xff\xfe", "application/json", 400, "BAD_REQUEST"),
    (b'{"query": "{ graphs { name } }"}', "text/plain", 415, "UNSUPPORTED_MEDIA_TYPE"),
    (b'{"query": "{ graphs { "}', "application/json", 200, "GRAPHQL_PARSE_FAILED"),
    (b'{"query": "{ nothing }"}', "application/json", 200, "GRAPHQL_VALIDATION_FAILED"),
    (b'{"query": "query($g: String!) { history(graph: $g, variant: \\"p\\") { id } }", "variables": {"g": 5}}',
     "application/json", 200, "BAD_USER_INPUT"),
])
def test_hostile_requests(registry: Running, body: bytes, content_type: str, status: int, code: str) -> None:
    response = httpx.post(f"{registry.url}/graphql", content=body,
                          headers={"content-type": content_type, "Authorization": f"Bearer {registry.admin}"})
    assert response.status_code == status, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == code


def test_hostile_publishes(registry: Running, graph_name: str) -> None:
    big = "type Query { a: Int }\n" + "# padding\n" * (1024 * 1024)  # 10 MB
    response = httpx.post(f"{registry.url}/graphql", headers={"Authorization": f"Bearer {registry.admin}"},
                          json={"query": PUBLISH, "variables": {"g": graph_name, "v": "prod", "n": "a",
                                                                 "u": "http://h/a", "s": big}})
    assert response.status_code == 413 and response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    bad_names = [publish(registry, registry.admin, g, n, sdl="type Query { a: Int }", variant=v)
                 for g, v, n in ((graph_name, "prod", "9lives"), ("a/b", "prod", "x"), (graph_name, "x" * 70, "x"))]
    assert [r["error"]["code"] for r in bad_names] == ["INVALID_NAME"] * 3
    assert publish(registry, registry.admin, graph_name, "x", sdl="type Query { a: Int }",
                   url="ftp://nope")["error"]["code"] == "BAD_REQUEST"
    assert publish(registry, registry.admin, graph_name, "x", sdl="type Query { a: Int }",
                   metadata=[1, 2])["error"]["code"] == "BAD_REQUEST"
    assert publish(registry, registry.admin, graph_name, "x", sdl="type Query { a: Int }\x00")["error"]["code"] \
        == "BAD_REQUEST"
    for sdl in ("type Query {", "\x01\x02", "{" * 5000, "[" * 20000, "type Query { a: Int }" * 3, ""):
        r = publish(registry, registry.admin, graph_name, "weird", sdl=sdl)
        assert r["refused"] and r["error"]["code"] == "COMPOSITION_REFUSED", r
        assert r["composition"]["errors"][0]["code"]


def test_health_ready_and_other_paths(registry: Running) -> None:
    assert httpx.get(f"{registry.url}/health").json() == {"status": "ok"}
    assert httpx.get(f"{registry.url}/ready").status_code == 200
    usage = httpx.post(f"{registry.url}/v1/usage", json={})  # served now: refused without a token
    assert usage.status_code == 401 and usage.json()["code"] == "UNAUTHENTICATED"
    assert httpx.get(f"{registry.url}/nothing").json()["code"] == "NOT_FOUND"
    assert httpx.get(f"{registry.url}/graphql").json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
