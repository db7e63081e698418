"""End to end over the demo: partial data for anonymous requests, full data with a token carrying
the scopes, and an over-budget operation refused before any subgraph is called.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import federation.config as config_module
import federation.gateway as gateway_module
import federation.http.app as http_app
from federation.policies import devtoken
from federation.policies.config import policies_config_from_dict
from tests.demo.subgraphs import DemoSubgraphs

HEADERS = {"accept": "application/graphql-response+json, application/json"}
QUERY = '{ topProducts(first: 2) { name stockCount } user(id: "u1") { name email } }'



@pytest.fixture
async def client(demo_subgraphs: DemoSubgraphs, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    policies = {
        "authentication": {"jwks_file": str(devtoken.jwks_path(tmp_path)), "issuers": [devtoken.DEV_ISSUER]},
        "demand_control": {"mode": "enforce", "max_cost": 100},
        "limits": {"max_depth": 6, "max_aliases": 5},
    }
    config = config_module.GatewayConfig(policies=policies_config_from_dict(policies))
    gateway = gateway_module.Gateway.from_sdl(demo_subgraphs.supergraph_sdl(), config)
    transport = httpx.ASGITransport(app=http_app.create_app(gateway))
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        yield http
    await gateway.aclose()


async def post(client: httpx.AsyncClient, query: str, token: str | None = None) -> Any:
    headers = dict(HEADERS)
    if token:
        headers["authorization"] = f"Bearer {token}"
    return await client.post("/graphql", json={"query": query}, headers=headers)


async def test_anonymous_gets_partial_data_and_errors(client: httpx.AsyncClient) -> None:
    response = await post(client, QUERY)
    body = response.json()
    assert response.status_code == 200, body
    assert [p["name"] for p in body["data"]["topProducts"]] == ["Mechanical Keyboard", "27-inch Monitor"]
    assert all(p["stockCount"] is None for p in body["data"]["topProducts"])
    assert body["data"]["user"]["email"] is None and body["data"]["user"]["name"]  # the rest of the user stays
    codes = {e["extensions"]["code"] for e in body["errors"]}
    assert codes == {"UNAUTHORIZED_FIELD_OR_TYPE"}
    paths = [e["path"] for e in body["errors"]]
    assert any(p[0] == "topProducts" and p[-1] == "stockCount" for p in paths)
    assert any(p[0] == "user" and p[-1] == "email" for p in paths)


async def test_a_token_with_the_scopes_sees_the_fields(client: httpx.AsyncClient, tmp_path: Path) -> None:
    token = devtoken.sign(["read:inventory"], keys_dir=tmp_path)
    body = (await post(client, QUERY, token)).json()
    assert "errors" not in body, body
    assert all(isinstance(p["stockCount"], int) for p in body["data"]["topProducts"])
    assert body["data"]["user"]["email"]


async def test_a_bad_token_is_refused_with_401(client: httpx.AsyncClient) -> None:
    response = await post(client, QUERY, "not-a-token")
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_over_budget_is_refused_before_any_subgraph_call(
    client: httpx.AsyncClient, demo_subgraphs: DemoSubgraphs
) -> None:
    demo_subgraphs.reset_counts()
    response = await post(client, "{ topProducts(first: 100) { name reviews { body } } }")
    assert response.json()["errors"][0]["extensions"]["code"] == "COST_ESTIMATED_TOO_EXPENSIVE"
    assert response.status_code == 400
    assert sum(demo_subgraphs.counts().values()) == 0
    response = await post(client, "{ topProducts(first: 2) { name } }")
    assert response.status_code == 200 and sum(demo_subgraphs.counts().values()) >= 1


async def test_operation_limits_answer_400_with_their_code(client: httpx.AsyncClient,
                                                           demo_subgraphs: DemoSubgraphs) -> None:
    demo_subgraphs.reset_counts()
    deep = "{ topProducts(first: 1) { reviews { author { reviews { product { reviews { body } } } } } } }"
    aliases = "{ " + " ".join(f"a{i}: topProducts(first: 1) {{ name }}" for i in range(6)) + " }"
    for query, code in ((deep, "MAX_DEPTH_LIMIT"), (aliases, "MAX_ALIASES_LIMIT")):
        response = await post(client, query)
        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"]["code"] == code
    assert sum(demo_subgraphs.counts().values()) == 0


async def test_automatic_persisted_queries(client: httpx.AsyncClient) -> None:
    query = "{ topProducts(first: 1) { name } }"
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}}
    only_hash = await client.post("/graphql", json={"extensions": extensions}, headers=HEADERS)
    assert only_hash.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    registered = await client.post("/graphql", json={"query": query, "extensions": extensions}, headers=HEADERS)
    assert registered.json() == {"data": {"topProducts": [{"name": "Mechanical Keyboard"}]}}
    again = await client.post("/graphql", json={"extensions": extensions}, headers=HEADERS)
    assert again.json() == registered.json()
