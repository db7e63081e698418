"""The ``harness`` fixture: fake subgraphs and gateways, all on ephemeral 127.0.0.1 ports, all in the
test's event loop, all stopped when the test ends."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from federation.config import GatewayConfig
from federation.gateway import Gateway
from federation.http.app import create_app
from federation.request import GraphQLRequest, GraphQLResponse
from services_demo.runner import ServedApp, bind

from .fakes import FakeSubgraph, Handler, serve, stop
from .supergraphs import SHOP, supergraph

ACCEPT = "application/graphql-response+json"


@dataclass
class GatewayUnderTest:
    gateway: Gateway
    served: ServedApp
    client: httpx.AsyncClient

    @property
    def url(self) -> str:
        return self.served.url

    async def post(self, query: str, variables: dict[str, Any] | None = None,
                   operation_name: str | None = None) -> tuple[int, Any]:
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        if operation_name is not None:
            body["operationName"] = operation_name
        response = await self.client.post(self.url, json=body, headers={"accept": ACCEPT})
        return response.status_code, response.json()

    async def get(self, params: dict[str, str]) -> httpx.Response:
        # The preflight header gets past CSRF prevention, as a browser client's would.
        headers = {"accept": ACCEPT, "apollo-require-preflight": "true"}
        return await self.client.get(self.url, params=params, headers=headers)

    async def execute(self, query: str, variables: dict[str, Any] | None = None) -> GraphQLResponse:
        return await self.gateway.execute(GraphQLRequest(query, variables=variables))


class Harness:
    def __init__(self) -> None:
        self._fakes: list[FakeSubgraph] = []
        self._gateways: list[GatewayUnderTest] = []
        self._sockets: list[socket.socket] = []
        self._raw_servers: list[asyncio.Server] = []
        self.client = httpx.AsyncClient(timeout=10, trust_env=False)

    async def subgraph(self, name: str, handler: Handler) -> FakeSubgraph:
        fake = await serve(name, handler)
        self._fakes.append(fake)
        return fake

    def refused_url(self) -> str:
        """A URL whose port is bound but not listening: connecting is refused, every time."""
        sock = bind("127.0.0.1", 0)
        self._sockets.append(sock)
        return f"http://127.0.0.1:{sock.getsockname()[1]}/graphql"

    async def raw_server(self, answer: bytes) -> str:
        """A URL served by a bare TCP server that reads a request and writes ``answer`` (not
        necessarily HTTP), then closes the connection."""

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(answer)
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        self._raw_servers.append(server)
        return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/graphql"

    async def gateway(self, urls: Mapping[str, str | FakeSubgraph], types: str = SHOP,
                      config: GatewayConfig | None = None) -> GatewayUnderTest:
        sdl = supergraph({k: v if isinstance(v, str) else v.url for k, v in urls.items()}, types)
        gateway = Gateway.from_sdl(sdl, config)
        served = ServedApp("gateway", create_app(gateway), bind("127.0.0.1", 0))
        under_test = GatewayUnderTest(gateway, served, self.client)
        self._gateways.append(under_test)
        await served.start()
        return under_test

    async def close(self) -> None:
        for fake in self._fakes:
            fake.released.set()
        # Side by side: each stop waits out a tick of uvicorn's main loop.
        await asyncio.gather(*(g.served.stop() for g in self._gateways), *(stop(fake) for fake in self._fakes),
                             return_exceptions=True)
        for under_test in self._gateways:
            await under_test.gateway.aclose()
        for sock in self._sockets:
            sock.close()
        for server in self._raw_servers:
            server.close()
            await server.wait_closed()
        await self.client.aclose()


@pytest.fixture
async def harness() -> AsyncIterator[Harness]:
    h = Harness()
    try:
        yield h
    finally:
        await h.close()
