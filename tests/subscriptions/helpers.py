"""For the subscription tests: the gateway in front of the demo subgraphs over real sockets, a
minimal graphql-transport-ws client written from the protocol's text (independent of the gateway's
own), and waits that are bounded in time."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import websockets
from websockets.asyncio.client import ClientConnection

from federation.config import GatewayConfig
from federation.config_loader import from_dict
from federation.gateway import Gateway
from federation.http.app import create_app
from services_demo import reviews
from services_demo.runner import ServedApp, bind

WAIT_S = 10.0
EVENT = """
subscription Added($upc: String) {
  reviewAdded(upc: $upc) {
    body rating
    product { upc name price }
    author { username name }
  }
}
"""


class Served:
    def __init__(self, gateway: Gateway, served: ServedApp) -> None:
        self.gateway, self.served = gateway, served
        self.url = served.url
        self.ws_url = "ws" + served.url[len("http"):]


async def serve(sdl: str, config: dict[str, Any] | None = None) -> Served:
    gateway = Gateway.from_sdl(sdl, from_dict(GatewayConfig, config or {}, "test"))
    served = ServedApp("gateway", create_app(gateway), bind("127.0.0.1", 0))
    await served.start()
    return Served(gateway, served)


async def stop(served: Served) -> None:
    await served.served.stop()
    await served.gateway.aclose()


async def until(condition: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def listeners() -> int:
    """Subscriptions open at the demo reviews subgraph (it runs in this process)."""
    return len(reviews.FEED.listeners)


async def until_listeners(n: int) -> None:
    await until(lambda: listeners() == n, f"{n} subscriptions at the reviews subgraph")


class Client:
    """graphql-transport-ws, the client's side, as the protocol describes it."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    @classmethod
    async def connect(cls, url: str, payload: dict[str, Any] | None = None, *, init: bool = True,
                      subprotocol: str = "graphql-transport-ws") -> Client:
        ws = await websockets.connect(url, subprotocols=[subprotocol])  # type: ignore[list-item]
        client = cls(ws)
        if init:
            await client.send({"type": "connection_init", **({"payload": payload} if payload is not None else {})})
            ack = await client.receive()
            assert ack["type"] == "connection_ack", ack
        return client

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def receive(self) -> dict[str, Any]:
        """The next message that is not a ping (pings are answered, as the protocol requires)."""
        while True:
            message: dict[str, Any] = json.loads(await asyncio.wait_for(self.ws.recv(), WAIT_S))
            if message["type"] == "ping":
                await self.send({"type": "pong"})
                continue
            return message

    async def subscribe(self, ident: str, query: str, variables: dict[str, Any] | None = None) -> None:
        await self.send({"type": "subscribe", "id": ident, "payload": {"query": query, "variables": variables or {}}})

    async def closed(self) -> tuple[int, str]:
        """Waits for the server to close the socket: its close code and reason."""
        try:
            while True:
                await asyncio.wait_for(self.ws.recv(), WAIT_S)
        except websockets.ConnectionClosed as exc:
            assert exc.rcvd is not None
            return exc.rcvd.code, exc.rcvd.reason

    async def close(self) -> None:
        await self.ws.close()


async def add_review(url: str, upc: str, body: str, author: str = "u2") -> None:
    """The demo mutation, through the gateway: every reviewAdded subscription gets the review."""
    mutation = "mutation($upc: String!, $body: String!, $a: ID!) { addReview(upc: $upc, rating: 4, body: $body, " \
               "authorId: $a) { id } }"
    async with httpx.AsyncClient(timeout=WAIT_S) as client:
        variables = {"upc": upc, "body": body, "a": author}
        response = await client.post(url, json={"query": mutation, "variables": variables})
    assert response.status_code == 200 and "errors" not in response.json(), response.text


def expected(upc: str, body: str) -> dict[str, Any]:
    """An event's answer, its fields from reviews, products and accounts."""
    products = {"1001": ("Mechanical Keyboard", 12900), "1002": ("27-inch Monitor", 32900)}
    name, price = products[upc]
    return {"data": {"reviewAdded": {"body": body, "rating": 4, "product": {"upc": upc, "name": name, "price": price},
                                     "author": {"username": "alan", "name": "Alan Turing"}}}}
