"""End to end: the gateway in front of the demo subgraphs, all over real HTTP on ephemeral ports.

The gateway is ``Gateway.from_sdl`` served by ``federation.http.app.create_app`` with uvicorn,
in the test's event loop; the subgraphs run in their own thread (see ``conftest.py``).
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

import federation.gateway as gateway_module
import federation.http.app as http_app
from services_demo.runner import ServedApp, bind

from .subgraphs import DemoSubgraphs

StartGateway = Callable[[str], Awaitable[str]]
HEADERS = {"accept": "application/graphql-response+json, application/json"}

ALL_FOUR = """
query AllFour {
  topProducts(first: 5) {
    upc name price brand { name }
    inStock shippingEstimate
    reviews { rating author { username name } }
  }
}
"""


def product(
    upc: str, name: str, price: int, brand: str, in_stock: bool, shipping: int, reviews: list[Any]
) -> dict[str, Any]:
    return {
        "upc": upc, "name": name, "price": price, "brand": {"name": brand},
        "inStock": in_stock, "shippingEstimate": shipping,
        "reviews": [
            {"rating": rating, "author": {"username": username, "name": full_name}}
            for rating, username, full_name in reviews
        ],
    }  # fmt: skip


ALL_FOUR_ANSWER = {
    "topProducts": [
        product("1001", "Mechanical Keyboard", 12900, "Keystone", True, 0,
                [(5, "ada", "Ada Lovelace"), (4, "alan", "Alan Turing")]),
        product("1002", "27-inch Monitor", 32900, "Lumen", True, 0,
                [(5, "grace", "Grace Hopper"), (3, "ken", "Ken Thompson")]),
        product("1003", "Office Chair", 24900, "Ergon", False, 0, [
            (3, "ada", "Ada Lovelace"), (4, "edsger", "Edsger Dijkstra"), (2, "barbara", "Barbara Liskov"),
        ]),
        product("1004", "Standing Desk", 45900, "Oakline", True, 0, [(5, "don", "Donald Knuth")]),
        product("1005", "Desk Lamp", 3900, "Lumen", True, 589, [(4, "margaret", "Margaret Hamilton")]),
    ]
}  # fmt: skip


@pytest.fixture
async def start_gateway() -> AsyncIterator[StartGateway]:
    """Starts a gateway for a supergraph SDL and returns its GraphQL URL; stops them all afterwards."""
    started: list[tuple[ServedApp, Any]] = []

    async def start(supergraph_sdl: str) -> str:
        gateway = gateway_module.Gateway.from_sdl(supergraph_sdl)
        served = ServedApp("gateway", http_app.create_app(gateway), bind("127.0.0.1", 0))
        started.append((served, gateway))
        await served.start()
        return served.url

    yield start
    for served, gateway in reversed(started):
        await served.stop()
        await gateway.aclose()


async def post(url: str, query: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=10) as client:
        return await client.post(url, json={"query": query}, headers=HEADERS)


def closed_port_url() -> str:
    """A 127.0.0.1 URL nothing listens on: bind an ephemeral port, then let it go."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/graphql"


async def test_a_query_touching_all_four_subgraphs(
    demo_subgraphs: DemoSubgraphs, start_gateway: StartGateway
) -> None:
    url = await start_gateway(demo_subgraphs.supergraph_sdl())
    demo_subgraphs.reset_counts()

    response = await post(url, ALL_FOUR)

    assert response.status_code == 200, response.text
    assert response.json() == {"data": ALL_FOUR_ANSWER}
    assert all(count >= 1 for count in demo_subgraphs.counts().values())


async def test_an_interface_implemented_in_two_subgraphs(
    demo_subgraphs: DemoSubgraphs, start_gateway: StartGateway
) -> None:
    url = await start_gateway(demo_subgraphs.supergraph_sdl())
    query = """{
      user: node(id: "u2") { id ... on User { name username reviews { product { name } } } }
      review: node(id: "r1") { id ... on Review { body author { name } } }
    }"""

    response = await post(url, query)

    assert response.status_code == 200, response.text
    assert response.json() == {
        "data": {
            "user": {
                "id": "u2", "name": "Alan Turing", "username": "alan",
                "reviews": [
                    {"product": {"name": "Mechanical Keyboard"}}, {"product": {"name": "USB-C Cable"}},
                ],
            },
            "review": {
                "id": "r1", "body": "Love it: the keys feel like a real typewriter.",
                "author": {"name": "Ada Lovelace"},
            },
        }
    }  # fmt: skip


async def test_entity_fetches_are_batched_whatever_the_list_length(
    demo_subgraphs: DemoSubgraphs, start_gateway: StartGateway
) -> None:
    url = await start_gateway(demo_subgraphs.supergraph_sdl())
    query = "{ topProducts(first: %d) { name reviews { body author { name } } inStock shippingEstimate } }"
    counts = {}
    for first in (2, 10):
        demo_subgraphs.reset_counts()
        response = await post(url, query % first)
        assert response.status_code == 200, response.text
        assert "errors" not in response.json()
        assert len(response.json()["data"]["topProducts"]) == first
        counts[first] = demo_subgraphs.counts()

    assert counts[2] == counts[10]
    # One fetch per subgraph: the root list, then one _entities call each for reviews, inventory, accounts.
    assert counts[10] == {"accounts": 1, "products": 1, "reviews": 1, "inventory": 1}


async def test_a_subgraph_that_is_down_gives_partial_data_and_an_error(
    demo_subgraphs: DemoSubgraphs, start_gateway: StartGateway
) -> None:
    url = await start_gateway(demo_subgraphs.supergraph_sdl({"inventory": closed_port_url()}))

    response = await post(url, "{ topProducts(first: 2) { name inStock } }")

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] == {
        "topProducts": [
            {"name": "Mechanical Keyboard", "inStock": None},
            {"name": "27-inch Monitor", "inStock": None},
        ]
    }
    assert body["errors"], "the failed inventory fetch must be reported"
    assert all(isinstance(error.get("message"), str) for error in body["errors"])
