"""Fuzz through HTTP, the real gateway and every policy stage: no input is answered with a 5xx.

The subgraphs are a closed port, so anything that gets as far as a fetch fails fast (and is a
200 with ``SUBREQUEST_HTTP_ERROR``); what is fuzzed is everything before. ``FUZZ_EXAMPLES`` as in
``test_properties.py``.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import federation.config as config_module
import federation.gateway as gateway_module
import federation.http.app as http_app
from federation.policies import devtoken
from federation.policies.config import policies_config_from_dict
from tests.policies.generators import operations

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
KEYS = Path(__file__).resolve().parents[2] / ".demo" / "test-keys"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _app() -> Any:
    sdl = (SCHEMAS / "supergraph.graphql").read_text()
    port = _closed_port()
    for original in ("4001", "4002", "4003", "4004"):
        sdl = sdl.replace(f"http://127.0.0.1:{original}/graphql", f"http://127.0.0.1:{port}/graphql")
    policies = {
        "authentication": {"jwks_file": str(devtoken.jwks_path(KEYS))},
        "demand_control": {"mode": "enforce", "max_cost": 500},
        "limits": {"max_depth": 10, "max_height": 100, "max_aliases": 20, "max_root_fields": 10, "max_tokens": 3000},
    }
    config = config_module.GatewayConfig(policies=policies_config_from_dict(policies))
    gateway = gateway_module.Gateway.from_sdl(sdl, config)
    return http_app.create_app(gateway), gateway.api_schema


APP, API_SCHEMA = _app()
VALID = devtoken.sign(["read:inventory"], keys_dir=KEYS)
NOISE = '{}()[]:!$@.,="#\n abcxyz019_...on fragment query mutation topProducts reviews author me email name'
FIELDS = ["topProducts(first: 3)", "me", 'user(id: "u1")', "users", 'node(id: "u1")', "reviews", "author"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
queries = st.one_of(
    st.text(alphabet=NOISE, max_size=300),
    st.builds(
        lambda fields, depth: "{ " + " { ".join(fields * depth) + " name" + " }" * (len(fields) * depth) + " }",
        st.lists(st.sampled_from(FIELDS), min_size=1, max_size=4),
        st.integers(1, 80),
    ),
    st.builds(lambda n: "{ " + " ".join(f"a{i}: topProducts {{ name }}" for i in range(n)) + " }", st.integers(0, 400)),
)
bodies = st.one_of(
    st.binary(max_size=400),
    operations(API_SCHEMA).map(lambda q: json.dumps({"query": q}).encode()),
    operations(API_SCHEMA).map(lambda q: json.dumps({"query": q}).encode()),
    st.builds(
        lambda q, v, o, e: json.dumps({"query": q, "variables": v, "operationName": o, "extensions": e}).encode(),
        queries,
        json_values,
        st.none() | st.text(max_size=10),
        st.none() | json_values | st.just({"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}),
    ),
    queries.map(lambda q: json.dumps({"query": q}).encode()),
)
authorizations = st.sampled_from(
    [None, None, None, "Bearer " + VALID, "Bearer " + VALID, "Bearer nonsense", "Basic abc", "Bearer ", VALID]
)


@FUZZ
@given(body=bodies, authorization=authorizations)
async def test_no_input_gets_a_server_error(body: bytes, authorization: str | None) -> None:
    headers = {"content-type": "application/json", "accept": "application/graphql-response+json"}
    if authorization is not None:
        headers["authorization"] = authorization
    transport = httpx.ASGITransport(app=APP)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        response = await client.post("/graphql", content=body, headers=headers)
    assert response.status_code < 500, response.text
    answer = response.json()
    assert "errors" in answer or "data" in answer
    codes = sorted({e.get("extensions", {}).get("code", "?") for e in answer.get("errors", [])})
    event(f"{response.status_code} {' '.join(codes) or 'ok'}")
