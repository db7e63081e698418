"""Serving the demo subgraphs for tests: on ephemeral ports, in a thread with its own event loop,
so any test (sync or async, whatever its loop) can reach them over real HTTP."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

from services_demo import SERVICES
from services_demo.runner import SubgraphServers, rewrite_subgraph_urls

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
START_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class DemoSubgraphs:
    """Where the demo subgraphs listen, and helpers to point a supergraph at them."""

    urls: dict[str, str]

    def supergraph_sdl(self, overrides: Mapping[str, str] | None = None) -> str:
        """``schemas/supergraph.graphql`` with its subgraph URLs moved to the running servers.

        ``overrides`` replaces chosen URLs, e.g. to point one subgraph at a closed port.
        """
        urls = {**self.urls, **(overrides or {})}
        return rewrite_subgraph_urls((SCHEMAS / "supergraph.graphql").read_text(), urls)

    def counts(self) -> dict[str, int]:
        """How many GraphQL requests each subgraph has received since the last reset."""
        with httpx.Client(timeout=5) as client:
            return {name: client.get(self._count_url(name)).json()["count"] for name in SERVICES}

    def reset_counts(self) -> None:
        with httpx.Client(timeout=5) as client:
            for name in SERVICES:
                client.post(self._count_url(name) + "/reset").raise_for_status()

    def _count_url(self, name: str) -> str:
        return self.urls[name].removesuffix("/graphql") + "/count"


class ServersThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="demo-subgraphs", daemon=True)
        self.servers: SubgraphServers | None = None

    def start(self) -> SubgraphServers:
        self.thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self.loop)
        self.servers = future.result(START_TIMEOUT_S)
        return self.servers

    async def _start(self) -> SubgraphServers:
        servers = SubgraphServers({name: 0 for name in SERVICES})
        await servers.start()
        return servers

    def stop(self) -> None:
        if self.servers is not None:
            asyncio.run_coroutine_threadsafe(self.servers.stop(), self.loop).result(START_TIMEOUT_S)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(START_TIMEOUT_S)
        self.loop.close()
