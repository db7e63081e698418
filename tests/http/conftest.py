"""A stand-in gateway (graphql-core over a tiny schema) and ways to reach the app: in process or over TCP."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from http_fakes import FakeGateway

from federation.config import HttpConfig
from federation.http import GatewayApp, create_app


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def http_config() -> HttpConfig:
    return HttpConfig()


@pytest.fixture
def app(gateway: FakeGateway, http_config: HttpConfig) -> GatewayApp:
    return create_app(gateway, http_config)


@pytest.fixture
async def client(app: GatewayApp) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.9", 5555))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        yield c


@dataclass
class LiveServer:
    url: str
    app: GatewayApp


@pytest.fixture
def live_server(app: GatewayApp) -> Iterator[LiveServer]:
    """The app behind uvicorn on an ephemeral port of 127.0.0.1, in a thread with its own loop."""
    with serve_in_thread(app) as url:
        yield LiveServer(url, app)


class serve_in_thread:
    def __init__(self, app: GatewayApp) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=lambda: asyncio.run(self.server.serve()), daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        ready = threading.Event()
        for _ in range(500):  # up to 10 s
            if self.server.started:
                ready.set()
                break
            if not self.thread.is_alive():
                break
            self.thread.join(0.02)
        if not ready.is_set():
            raise RuntimeError("uvicorn did not start")
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
