"""Serves ASGI apps with uvicorn inside the running event loop, on sockets bound beforehand.

Binding first means port 0 works (tests learn the ephemeral port before serving) and a port
already in use fails at once, with the port's name in the message.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from services_demo import SERVICES, create_app

STARTUP_TIMEOUT_S = 10.0
SHUTDOWN_TIMEOUT_S = 5


class _Server(uvicorn.Server):
    # Several servers share one process: whoever runs them handles the signals, once.
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


@dataclass
class ServedApp:
    """One ASGI app being served: its uvicorn server, socket and task."""

    name: str
    app: Any
    sock: socket.socket
    server: uvicorn.Server = field(init=False)
    task: asyncio.Task[None] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        config = uvicorn.Config(
            self.app, lifespan="off", log_level="warning", timeout_graceful_shutdown=SHUTDOWN_TIMEOUT_S
        )
        self.server = _Server(config)

    @property
    def host(self) -> str:
        return str(self.sock.getsockname()[0])

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/graphql"

    async def start(self) -> None:
        self.task = asyncio.create_task(self.server.serve(sockets=[self.sock]), name=f"serve-{self.name}")
        deadline = asyncio.get_running_loop().time() + STARTUP_TIMEOUT_S
        while not self.server.started:
            if self.task.done():
                self.task.result()  # re-raises the startup failure
                raise RuntimeError(f"{self.name} stopped during startup")
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"{self.name} did not start within {STARTUP_TIMEOUT_S}s")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task is not None:
            await asyncio.wait_for(self.task, SHUTDOWN_TIMEOUT_S + 2)
        self.sock.close()


class SubgraphServers:
    """The demo subgraphs served on ``host``; a port of 0 picks a free one."""

    def __init__(self, ports: Mapping[str, int], host: str = "127.0.0.1") -> None:
        self.services: dict[str, ServedApp] = {}
        try:
            for name in SERVICES:
                try:
                    sock = bind(host, ports[name])
                except OSError as exc:
                    raise OSError(f"cannot serve {name} on {host}:{ports[name]}: {exc.strerror}") from exc
                self.services[name] = ServedApp(name, create_app(name), sock)
        except BaseException:
            for served in self.services.values():
                served.sock.close()
            raise

    @property
    def urls(self) -> dict[str, str]:
        return {name: served.url for name, served in self.services.items()}

    async def start(self) -> None:
        await asyncio.gather(*(served.start() for served in self.services.values()))

    async def stop(self) -> None:
        await asyncio.gather(*(served.stop() for served in self.services.values()), return_exceptions=True)


_JOIN_GRAPH = re.compile(r'@join__graph\(name: "(?P<name>[^"]+)", url: "(?P<url>[^"]*)"\)')


def rewrite_subgraph_urls(supergraph_sdl: str, urls: Mapping[str, str]) -> str:
    """The supergraph with each named subgraph's ``@join__graph`` URL replaced; others are kept."""

    def replace(match: re.Match[str]) -> str:
        url = urls.get(match["name"], match["url"])
        return f'@join__graph(name: "{match["name"]}", url: "{url}")'

    return _JOIN_GRAPH.sub(replace, supergraph_sdl)
