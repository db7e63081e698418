"""Request headers over ``http.max_header_bytes`` are refused (431) before the body is read."""

from __future__ import annotations

import httpx
import pytest
from http_fakes import FakeGateway, LiveServer

from federation.config import HttpConfig
from federation.http import GatewayApp


@pytest.fixture
def http_config() -> HttpConfig:
    return HttpConfig(max_header_bytes=4096)


async def test_an_oversized_header_is_refused_with_431(client: httpx.AsyncClient, gateway: FakeGateway) -> None:
    r = await client.post("/graphql", json={"query": "{ me }"}, headers={"x-big": "a" * 5000})
    assert r.status_code == 431
    [error] = r.json()["errors"]
    assert error["extensions"]["code"] == "REQUEST_HEADERS_TOO_LARGE"
    assert "4096" in error["message"]
    assert gateway.calls == []  # never reached the gateway


async def test_many_headers_count_together(client: httpx.AsyncClient) -> None:
    headers = {f"x-h{i}": "v" * 100 for i in range(50)}  # each small, ~5 KB in all
    r = await client.post("/graphql", json={"query": "{ me }"}, headers=headers)
    assert r.status_code == 431


async def test_every_route_is_covered(client: httpx.AsyncClient) -> None:
    r = await client.get("/health", headers={"cookie": "c" * 5000})
    assert r.status_code == 431


async def test_the_body_is_never_read(app: GatewayApp) -> None:
    received = []

    async def receive() -> dict[str, object]:
        received.append(1)
        return {"type": "http.request", "body": b'{"query": "{ me }"}', "more_body": False}

    sent: list[dict[str, object]] = []

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/graphql", "query_string": b"",
             "headers": [(b"content-type", b"application/json"), (b"x-big", b"a" * 5000)]}
    await app(scope, receive, send)  # type: ignore[arg-type]
    assert sent[0]["status"] == 431 and received == []


async def test_normal_requests_are_unaffected(client: httpx.AsyncClient) -> None:
    headers = {"authorization": "Bearer " + "t" * 1500, "x-client": "ok"}
    r = await client.post("/graphql", json={"query": '{ hello(name: "Ada") }'}, headers=headers)
    assert r.status_code == 200 and r.json() == {"data": {"hello": "Hello, Ada!"}}


def test_the_limit_holds_behind_uvicorn(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url, timeout=10) as client:
        assert client.post("/graphql", json={"query": "{ me }"}, headers={"x-big": "a" * 5000}).status_code == 431
        assert client.post("/graphql", json={"query": "{ me }"}).status_code == 200


def test_the_default_is_32_kib() -> None:
    assert HttpConfig().max_header_bytes == 32 * 1024
