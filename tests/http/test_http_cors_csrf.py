"""CSRF prevention (Apollo's rule, on by default) and CORS (off until origins are configured)."""

from __future__ import annotations

import httpx
import pytest
from http_fakes import FakeGateway

from federation.config import CorsConfig, CsrfConfig, HttpConfig
from federation.http import create_app

QUERY = b'{"query": "{ hello }"}'


def codes(response: httpx.Response) -> list[str]:
    return [e["extensions"]["code"] for e in response.json()["errors"]]


@pytest.mark.parametrize(
    "content_type",
    [
        None,
        "text/plain",
        "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ],
)
async def test_simple_posts_are_csrf_prevented(
    client: httpx.AsyncClient, gateway: FakeGateway, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    r = await client.post("/graphql", content=QUERY, headers=headers)
    assert r.status_code == 400
    assert codes(r) == ["CSRF_PREVENTED"]
    assert gateway.calls == []


async def test_simple_get_is_csrf_prevented(client: httpx.AsyncClient) -> None:
    r = await client.get("/graphql", params={"query": "{ hello }"})
    assert r.status_code == 400
    assert codes(r) == ["CSRF_PREVENTED"]


@pytest.mark.parametrize("header", ["x-apollo-operation-name", "apollo-require-preflight"])
async def test_a_preflight_header_lets_the_request_through(client: httpx.AsyncClient, header: str) -> None:
    r = await client.get("/graphql", params={"query": "{ hello }"}, headers={header: "x"})
    assert r.status_code == 200
    # A simple content type then fails on its own merits: it is not JSON.
    r = await client.post("/graphql", content=QUERY, headers={header: "x", "content-type": "text/plain"})
    assert r.status_code == 415


async def test_an_empty_preflight_header_does_not_count(client: httpx.AsyncClient) -> None:
    r = await client.get("/graphql", params={"query": "{ hello }"}, headers={"apollo-require-preflight": " "})
    assert codes(r) == ["CSRF_PREVENTED"]


async def test_csrf_can_be_turned_off() -> None:
    app = create_app(FakeGateway(), HttpConfig(csrf=CsrfConfig(enabled=False)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as c:
        assert (await c.get("/graphql", params={"query": "{ hello }"})).status_code == 200
        r = await c.post("/graphql", content=QUERY, headers={"content-type": "text/plain"})
        assert codes(r) == ["UNSUPPORTED_MEDIA_TYPE"]


def cors_client(**cors: object) -> httpx.AsyncClient:
    app = create_app(FakeGateway(), HttpConfig(cors=CorsConfig(**cors)))  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1")


async def test_cors_headers_for_an_allowed_origin() -> None:
    async with cors_client(origins=("https://app.test",), expose_headers=("x-served-by",)) as c:
        r = await c.post("/graphql", json={"query": "{ hello }"}, headers={"origin": "https://app.test"})
        assert r.status_code == 200
        assert r.headers["access-control-allow-origin"] == "https://app.test"
        assert r.headers["vary"] == "Origin"
        assert r.headers["access-control-expose-headers"] == "x-served-by"
        assert "access-control-allow-credentials" not in r.headers
        other = await c.post("/graphql", json={"query": "{ hello }"}, headers={"origin": "https://evil.test"})
        assert other.status_code == 200
        assert "access-control-allow-origin" not in other.headers


async def test_cors_preflight() -> None:
    async with cors_client(origins=("https://app.test",), allow_credentials=True, max_age=60) as c:
        r = await c.options(
            "/graphql",
            headers={
                "origin": "https://app.test",
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type, authorization",
            },
        )
        assert r.status_code == 204
        assert r.headers["access-control-allow-origin"] == "https://app.test"
        assert r.headers["access-control-allow-credentials"] == "true"
        assert r.headers["access-control-allow-methods"] == "GET, POST, OPTIONS"
        assert r.headers["access-control-allow-headers"] == "content-type, authorization"
        assert r.headers["access-control-max-age"] == "60"
        bad = await c.options(
            "/graphql", headers={"origin": "https://evil.test", "access-control-request-method": "POST"}
        )
        assert bad.status_code == 400
        assert "access-control-allow-origin" not in bad.headers


async def test_cors_wildcard_and_fixed_allow_headers() -> None:
    async with cors_client(origins=("*",), allow_headers=("content-type",)) as c:
        r = await c.options(
            "/graphql",
            headers={
                "origin": "https://any.test",
                "access-control-request-method": "POST",
                "access-control-request-headers": "x-secret",
            },
        )
        assert r.headers["access-control-allow-origin"] == "*"
        assert r.headers["access-control-allow-headers"] == "content-type"


async def test_cors_is_off_by_default(client: httpx.AsyncClient) -> None:
    r = await client.options(
        "/graphql", headers={"origin": "https://app.test", "access-control-request-method": "POST"}
    )
    assert "access-control-allow-origin" not in r.headers
