"""The HTTP layer in front of the real gateway core (demo supergraph; no subgraph is called)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

import federation.gateway as gateway_module
from federation.http import create_app

SUPERGRAPH = Path(__file__).resolve().parents[2] / "schemas" / "supergraph.graphql"
GQL_RESPONSE = "application/graphql-response+json"


@pytest.fixture
async def core_client() -> AsyncIterator[httpx.AsyncClient]:
    if not SUPERGRAPH.exists():
        pytest.skip("demo supergraph not present")
    gateway = gateway_module.Gateway.from_sdl(SUPERGRAPH.read_text())
    transport = httpx.ASGITransport(app=create_app(gateway))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        yield client
    await gateway.aclose()


async def test_typename_and_introspection(core_client: httpx.AsyncClient) -> None:
    r = await core_client.post("/graphql", json={"query": "query ping { __typename }"})
    assert (r.status_code, r.json()) == (200, {"data": {"__typename": "Query"}})
    r = await core_client.post("/graphql", json={"query": "{ __schema { queryType { name } } }"})
    assert r.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


@pytest.mark.parametrize(
    ("query", "code"), [("{ topProducts(", "GRAPHQL_PARSE_FAILED"), ("{ nope }", "GRAPHQL_VALIDATION_FAILED")]
)
async def test_document_errors_from_the_core(core_client: httpx.AsyncClient, query: str, code: str) -> None:
    r = await core_client.post("/graphql", json={"query": query}, headers={"accept": GQL_RESPONSE})
    assert r.status_code == 400
    assert r.json()["errors"][0]["extensions"]["code"] == code
    assert "data" not in r.json()
    legacy = await core_client.post("/graphql", json={"query": query})
    assert legacy.status_code == 200
    assert legacy.json()["errors"][0]["extensions"]["code"] == code


async def test_get_runs_queries_and_refuses_mutations(core_client: httpx.AsyncClient) -> None:
    headers = {"apollo-require-preflight": "1"}
    r = await core_client.get("/graphql", params={"query": "{ __typename }"}, headers=headers)
    assert r.json() == {"data": {"__typename": "Query"}}
    r = await core_client.get("/graphql", params={"query": "mutation { __typename }"}, headers=headers)
    assert r.status_code == 405
