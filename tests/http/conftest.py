"""A stand-in gateway (graphql-core over a tiny schema) and ways to reach the app: in process or over TCP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from http_fakes import FakeGateway, LiveServer, serve_in_thread

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


@pytest.fixture
def live_server(app: GatewayApp) -> Iterator[LiveServer]:
    """The app behind uvicorn on an ephemeral port of 127.0.0.1, in a thread with its own loop."""
    with serve_in_thread(app) as url:
        yield LiveServer(url, app)
