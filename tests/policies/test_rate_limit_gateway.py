"""The rate-limit stage over HTTP, through the real gateway and its ASGI app (no sockets)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from federation.config import GatewayConfig
from federation.gateway import Gateway
from federation.http.app import create_app
from federation.policies import devtoken
from federation.policies.config import policies_config_from_dict
from tests.supergraphs import supergraph

# `__typename` at the root needs no subgraph, so admitted requests answer without one running.
SDL = supergraph(["a"], "type Query @join__type(graph: A) { hello: String @join__field(graph: A) }")
QUERY = {"query": "{ __typename }"}
ClientFor = Callable[[str], httpx.AsyncClient]


@asynccontextmanager
async def gateway(policies: dict[str, Any]) -> AsyncIterator[ClientFor]:
    """Clients of one gateway, each from its own address."""
    gw = Gateway.from_sdl(SDL, GatewayConfig(policies=policies_config_from_dict(policies)))
    app = create_app(gw)
    clients: list[httpx.AsyncClient] = []

    def client(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        clients.append(httpx.AsyncClient(transport=transport, base_url="http://gateway"))
        return clients[-1]

    try:
        yield client
    finally:
        for c in clients:
            await c.aclose()
        await gw.aclose()


def limit(**settings: Any) -> dict[str, Any]:
    return {"rate_limit": {"enabled": True, "requests_per_second": 0.5, "burst": 2, **settings}}


async def test_over_the_burst_a_client_gets_429_with_retry_after() -> None:
    async with gateway(limit()) as client:
        alice = client("10.0.0.1")
        statuses = [(await alice.post("/graphql", json=QUERY)).status_code for _ in range(2)]
        assert statuses == [200, 200]
        for accept in ("application/graphql-response+json", "application/json"):  # 429 for both media types
            refused = await alice.post("/graphql", json=QUERY, headers={"accept": accept})
            assert refused.status_code == 429
            assert refused.headers["retry-after"] == "2"  # 0.5 a second: the next token in 2 s
            [error] = refused.json()["errors"]
            assert error["extensions"]["code"] == "RATE_LIMITED"
            assert "data" not in refused.json()
        # Another address has its own budget.
        assert (await client("10.0.0.2").post("/graphql", json=QUERY)).status_code == 200


async def test_a_header_key_counts_each_header_value() -> None:
    async with gateway(limit(key="header:x-client-id", burst=1)) as client:
        same_ip = client("10.0.0.1")
        a = {"x-client-id": "a"}
        assert (await same_ip.post("/graphql", json=QUERY, headers=a)).status_code == 200
        assert (await same_ip.post("/graphql", json=QUERY, headers=a)).status_code == 429
        assert (await same_ip.post("/graphql", json=QUERY, headers={"x-client-id": "b"})).status_code == 200
        # No header: counted by address (its own bucket, not a's).
        assert (await same_ip.post("/graphql", json=QUERY)).status_code == 200
        assert (await same_ip.post("/graphql", json=QUERY)).status_code == 429


async def test_a_claim_key_counts_the_verified_subject(tmp_path: Path) -> None:
    auth = {"jwks_file": str(devtoken.jwks_path(tmp_path)), "issuers": [devtoken.DEV_ISSUER]}
    async with gateway({"authentication": auth, **limit(key="claim:sub", burst=1)}) as client:
        shared = client("10.0.0.1")  # e.g. many users behind one proxy

        def bearer(subject: str) -> dict[str, str]:
            return {"authorization": f"Bearer {devtoken.sign(subject=subject, keys_dir=tmp_path)}"}

        assert (await shared.post("/graphql", json=QUERY, headers=bearer("alice"))).status_code == 200
        assert (await shared.post("/graphql", json=QUERY, headers=bearer("alice"))).status_code == 429
        assert (await shared.post("/graphql", json=QUERY, headers=bearer("bob"))).status_code == 200
        # A token that does not verify is refused by authentication (401) and takes no one's token.
        bad = await shared.post("/graphql", json=QUERY, headers={"authorization": "Bearer nope"})
        assert bad.status_code == 401


async def test_off_by_default_nothing_is_refused() -> None:
    async with gateway({}) as client:
        c = client("10.0.0.1")
        statuses = {(await c.post("/graphql", json=QUERY)).status_code for _ in range(30)}
        assert statuses == {200}


async def test_redis_down_serves_every_request() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with gateway(limit(redis_url=f"redis://127.0.0.1:{port}/0", burst=1)) as client:
        c = client("10.0.0.1")
        statuses = [(await c.post("/graphql", json=QUERY)).status_code for _ in range(5)]
        assert statuses == [200] * 5
