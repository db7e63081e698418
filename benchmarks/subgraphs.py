"""``python -m benchmarks.subgraphs --base-port P``: the demo subgraphs, answers memoised by request body.

The demo subgraphs are Python GraphQL servers that spend several times more CPU on a request than
the gateway does; unmemoised, a benchmark of the gateway measures them. Like the shared
benchmark's ``SUBGRAPH_CACHE=1``, each distinct request body is executed once and its answer
replayed after that. Requests are still counted (``GET /count``), and still cross HTTP.
Ports are those ``python -m services_demo --no-gateway`` uses, which serves them unmemoised.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from services_demo import SERVICES, default_port
from services_demo.runner import SubgraphServers

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[MutableMapping[str, Any], Receive, Send], Awaitable[None]]

# The benchmark sends one query, so a few hundred distinct bodies at most; the bound is a safety net.
MAX_ENTRIES = 10_000


class MemoisedAnswers:
    """ASGI wrapper: a POST whose body was answered 200 before gets that answer again, not executed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.answers: dict[bytes, list[Message]] = {}

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        cached = self.answers.get(body)
        if cached is not None:
            for message in cached:
                await send(message)
            return
        sent: list[Message] = []
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:  # the app waits for a disconnect only after it answered
                await asyncio.Event().wait()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def record(message: Message) -> None:
            sent.append(message)
            await send(message)

        await self.app(scope, replay, record)
        if sent and sent[0].get("status") == 200 and len(self.answers) < MAX_ENTRIES:
            self.answers[body] = sent


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def serve(base_port: int, host: str) -> None:
    servers = SubgraphServers({name: default_port(name, base_port) for name in SERVICES}, host=host)
    for served in servers.services.values():
        # Inside the request counter, so memoised answers are still counted.
        served.app.app = MemoisedAnswers(served.app.app)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await servers.start()
    try:
        await stop.wait()
    finally:
        await servers.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.subgraphs", description=__doc__.split("\n")[0])
    parser.add_argument("--base-port", type=int, required=True, help="subgraphs on the next four ports")
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    try:
        import uvloop
    except ImportError:
        asyncio.run(serve(args.base_port, args.host))
    else:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(serve(args.base_port, args.host))
    return 0


if __name__ == "__main__":
    sys.exit(main())
