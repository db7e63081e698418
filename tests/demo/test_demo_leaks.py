"""Property: through the real gateway and the running demo subgraphs, a random operation answered
for a random caller never carries a value the caller may not see.

Protected in the demo: ``User.email`` (@authenticated), ``User.address`` (@policy "owner") and
``Product.stockCount`` (@requiresScopes read:inventory); ``Query.me`` is @authenticated too. These
fields are also fetched by no key or @requires, so any value in a response came from the field itself.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from federation.config_loader import load_config
from federation.gateway import Gateway
from federation.policies import devtoken
from federation.request import GraphQLRequest, RequestContext

from .subgraphs import DemoSubgraphs

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))

SCALARS = {
    "User": ["id", "name", "username", "email", "address"],
    "Product": ["upc", "name", "price", "inStock", "stockCount", "shippingEstimate", "averageRating"],
    "Review": ["id", "body", "rating"],
    "Brand": ["id", "name"],
}
OBJECTS = {
    "User": [("reviews", "Review")],
    "Product": [("reviews", "Review"), ("brand", "Brand")],
    "Review": [("author", "User"), ("product", "Product")],
    "Brand": [],
}
ROOTS = [
    ('user(id: "u1")', "User"), ("users", "User"), ("topProducts(first: 3)", "Product"),
    ('product(upc: "p-1001")', "Product"), ("latestReviews(first: 3)", "Review"), ("me", "User"),
]
# Field name -> what the caller needs to see it.
PROTECTED = {"email": "authenticated", "address": "owner", "stockCount": "read:inventory", "me": "authenticated"}


def selection(type_name: str, depth: int) -> st.SearchStrategy[str]:
    scalars = st.lists(st.sampled_from(SCALARS[type_name]), min_size=1, max_size=4, unique=True)
    if depth == 0 or not OBJECTS[type_name]:
        return scalars.map(" ".join)
    nested = st.lists(st.sampled_from(OBJECTS[type_name]), max_size=2, unique=True).flatmap(
        lambda fields: st.tuples(*(selection(t, depth - 1).map(lambda s, f=f: f"{f} {{ {s} }}")
                                   for f, t in fields)) if fields else st.just(()))
    return st.tuples(scalars, nested).map(lambda p: " ".join([*p[0], *p[1]]))


operations = st.lists(st.sampled_from(ROOTS), min_size=1, max_size=3, unique=True).flatmap(
    lambda roots: st.tuples(*(selection(t, 2).map(lambda s, r=r: f"{r} {{ {s} }}") for r, t in roots))
).map(lambda parts: "{ " + " ".join(parts) + " }")
callers = st.fixed_dictionaries({
    "token": st.booleans(), "scope": st.booleans(), "owner": st.booleans(),
})


def _values(data: Any, name: str) -> Iterator[Any]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key == name:
                yield value
            yield from _values(value, name)
    elif isinstance(data, list):
        for item in data:
            yield from _values(item, name)


@pytest.fixture(scope="module")
def gateway(demo_subgraphs: DemoSubgraphs) -> Iterator[tuple[Gateway, asyncio.AbstractEventLoop]]:
    devtoken.ensure_key(ROOT / devtoken.DEFAULT_KEYS_DIR)
    config = load_config(str(ROOT / "services_demo" / "gateway.yaml"), {})
    gw = Gateway.from_sdl(demo_subgraphs.supergraph_sdl(), config)
    loop = asyncio.new_event_loop()
    yield gw, loop
    loop.run_until_complete(gw.aclose())
    loop.close()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])
@given(query=operations, caller=callers)
def test_no_value_a_caller_may_not_see(gateway: tuple[Gateway, asyncio.AbstractEventLoop], query: str,
                                       caller: dict[str, bool]) -> None:
    gw, loop = gateway
    headers: dict[str, str] = {}
    grants = set()
    if caller["token"]:
        scopes = ["read:inventory"] if caller["scope"] else []
        claims = {"roles": ["owner"]} if caller["owner"] else {}
        token = devtoken.sign(scopes, claims=claims, keys_dir=ROOT / devtoken.DEFAULT_KEYS_DIR)
        headers["authorization"] = f"Bearer {token}"
        grants.add("authenticated")
        grants |= {"read:inventory"} if caller["scope"] else set()
        grants |= {"owner"} if caller["owner"] else set()
    response = loop.run_until_complete(gw.execute(GraphQLRequest(query), RequestContext(headers=headers)))
    assert response.status < 500, response.body
    data = response.body.get("data")
    for field, needs in PROTECTED.items():
        if needs in grants:
            continue
        leaked = [v for v in _values(data, field) if v is not None]
        assert not leaked, (field, query, caller)
    if grants >= {"authenticated", "read:inventory", "owner"}:
        codes = {e.get("extensions", {}).get("code") for e in response.body.get("errors", [])}
        assert "UNAUTHORIZED_FIELD_OR_TYPE" not in codes, (query, response.body)
