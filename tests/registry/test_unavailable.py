"""The database down: readiness, the poll endpoint, queries and mutations all answer
REGISTRY_UNAVAILABLE (503 where the status is ours to choose), never a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from federation.registry.app import RegistryApp
from federation.registry.service import Registry
from federation.registry.store import Store

TOKEN = "fedreg_0123456789abcdef_secret"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    # Nothing listens on port 9: every connection attempt is refused at once.
    store = Store("postgresql://postgres@127.0.0.1:9/registry")
    app = RegistryApp(Registry(store), migrate=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://registry",
                                 headers={"Authorization": f"Bearer {TOKEN}"}) as http:
        yield http
    await store.close()


async def test_database_down(client: httpx.AsyncClient) -> None:
    ready = await client.get("/ready")
    assert ready.status_code == 503 and ready.json()["code"] == "REGISTRY_UNAVAILABLE"
    assert (await client.get("/health")).status_code == 200
    polled = await client.get("/v1/graphs/shop/variants/prod/supergraph")
    assert polled.status_code == 503
    assert polled.json()["code"] == "REGISTRY_UNAVAILABLE" and polled.json()["min_delay_seconds"] == 1.0
    query = await client.post("/graphql", json={"query": "{ graphs { name } }"})
    assert query.status_code == 200 and query.json()["errors"][0]["extensions"]["code"] == "REGISTRY_UNAVAILABLE"
    mutation = await client.post("/graphql", json={"query": 'mutation { publishSubgraph(graph: "shop", '
                                 'variant: "prod", name: "a", routingUrl: "http://h/a", sdl: "type Query { a: Int }")'
                                 " { error { code } } }"})
    assert mutation.json()["data"]["publishSubgraph"]["error"]["code"] == "REGISTRY_UNAVAILABLE"
