"""GET requests: query-string parameters, the mutation rule, CSRF on GET, and the other routes."""

from __future__ import annotations

import httpx
import pytest
from http_fakes import FakeGateway

from federation.http import GatewayApp, GatewayHolder, create_app

PREFLIGHTED = {"apollo-require-preflight": "true"}


def codes(response: httpx.Response) -> list[str]:
    return [e["extensions"]["code"] for e in response.json()["errors"]]


async def test_get_query_with_variables(client: httpx.AsyncClient, gateway: FakeGateway) -> None:
    params = {
        "query": "query Q($n: String) { hello(name: $n) }",
        "variables": '{"n": "Cy"}',
        "operationName": "Q",
    }
    r = await client.get("/graphql", params=params, headers=PREFLIGHTED)
    assert r.status_code == 200
    assert r.json() == {"data": {"hello": "Hello, Cy!"}}
    request, _ = gateway.calls[-1]
    assert request.http_method == "GET"
    assert request.operation_name == "Q"


async def test_get_mutation_is_405_whatever_the_media_type(client: httpx.AsyncClient) -> None:
    for accept in ("application/json", "application/graphql-response+json"):
        r = await client.get(
            "/graphql", params={"query": "mutation { bump }"}, headers={**PREFLIGHTED, "accept": accept}
        )
        assert r.status_code == 405
        assert r.headers["allow"] == "POST"
        assert codes(r) == ["METHOD_NOT_ALLOWED"]


async def test_post_mutation_runs(client: httpx.AsyncClient) -> None:
    r = await client.post("/graphql", json={"query": "mutation { bump }"})
    assert r.json() == {"data": {"bump": 1}}


@pytest.mark.parametrize(
    ("query_string", "needle"),
    [
        ("query=%7Bhello%7D&variables=%7Bnope", "'variables' parameter is not valid JSON"),
        ("query=%7Bhello%7D&variables=%5B1%5D", "'variables' must be a JSON object"),
        ("query=%7Bhello%7D&extensions=1", "'extensions' must be a JSON object"),
        ("query=%7Bhello%7D&extensions=%7B", "'extensions' parameter is not valid JSON"),
        ("operationName=A", "Missing 'query'"),
        ("", "Missing 'query'"),
        ("query=%7Bhello%7D&query=%7Bme%7D", "more than once"),
        ("query=%FF", "UTF-8"),
    ],
)
async def test_malformed_get_is_400(client: httpx.AsyncClient, query_string: str, needle: str) -> None:
    r = await client.get(f"/graphql?{query_string}", headers=PREFLIGHTED)
    assert r.status_code == 400
    assert codes(r) == ["BAD_REQUEST"]
    assert needle in r.json()["errors"][0]["message"]


async def test_other_methods_are_405_with_allow(client: httpx.AsyncClient) -> None:
    for method in ("PUT", "DELETE", "PATCH"):
        r = await client.request(method, "/graphql", json={"query": "{ hello }"})
        assert r.status_code == 405
        assert "POST" in r.headers["allow"]
        assert codes(r) == ["METHOD_NOT_ALLOWED"]


async def test_options_without_cors_lists_methods(client: httpx.AsyncClient) -> None:
    r = await client.options("/graphql")
    assert r.status_code == 204
    assert r.headers["allow"] == "GET, POST, OPTIONS"
    assert "access-control-allow-origin" not in r.headers


async def test_health_and_unknown_paths(client: httpx.AsyncClient) -> None:
    r = await client.get("/health")
    assert (r.status_code, r.json()) == (200, {"status": "UP"})
    assert (await client.get("/nope")).status_code == 404
    assert (await client.post("/graphql/extra", json={"query": "{ hello }"})).status_code == 404


async def test_ready_follows_the_holder() -> None:
    holder = GatewayHolder()
    transport = httpx.ASGITransport(app=create_app(holder))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        r = await c.get("/ready")
        assert (r.status_code, r.json()) == (503, {"status": "NOT_READY"})
        r = await c.post("/graphql", json={"query": "{ hello }"})
        assert r.status_code == 503
        assert codes(r) == ["GATEWAY_NOT_READY"]
        holder.current = FakeGateway()
        assert (await c.get("/ready")).status_code == 200
        assert (await c.post("/graphql", json={"query": "{ hello }"})).json() == {
            "data": {"hello": "Hello, world!"}
        }


async def test_swapping_the_gateway_takes_effect_on_the_next_request(
    client: httpx.AsyncClient, app: GatewayApp
) -> None:
    assert (await client.post("/graphql", json={"query": "{ hello }"})).json()["data"][
        "hello"
    ] == "Hello, world!"
    app.holder.current = FakeGateway("Bonjour")
    assert (await client.post("/graphql", json={"query": "{ hello }"})).json()["data"][
        "hello"
    ] == "Bonjour, world!"


async def test_lifespan_runs_hooks_in_order() -> None:
    seen: list[str] = []

    async def start() -> None:
        seen.append("start")

    async def stop() -> None:
        seen.append("stop")

    app = create_app(FakeGateway(), on_startup=[start], on_shutdown=[stop])
    inbox = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    outbox: list[str] = []

    async def receive() -> dict[str, str]:
        return inbox.pop(0)

    async def send(message: dict[str, str]) -> None:
        outbox.append(message["type"])

    await app({"type": "lifespan"}, receive, send)  # type: ignore[arg-type]
    assert seen == ["start", "stop"]
    assert outbox == ["lifespan.startup.complete", "lifespan.shutdown.complete"]


def test_public_surface() -> None:
    import federation.http

    assert sorted(federation.http.__all__) == [
        "ASGIApp",
        "ExecutesGraphQL",
        "GatewayApp",
        "GatewayHolder",
        "create_app",
    ]
    assert all(hasattr(federation.http, name) for name in federation.http.__all__)
