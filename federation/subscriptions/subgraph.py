"""The client side: one subscription to a subgraph over WebSocket (graphql-transport-ws).

Each subscription has its own connection (graphql-ws servers run one per socket happily, and a
socket that breaks then takes one subscription with it). ``open`` connects, sends
``connection_init`` (payload: the headers the subgraph gets, as graphql-ws servers read them) and
``subscribe``; ``next`` gives each event's payload, None when the subgraph completes; anything else
(an ``error`` message, a close without ``complete``, a broken protocol, no pong to the library's
keep-alive pings) raises ``SubgraphStreamError``. ``close`` sends ``complete`` and closes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.typing import Subprotocol

from federation.config import SubgraphTlsConfig
from federation.errors import ProtocolViolation, SubgraphStreamError
from federation.subscriptions.protocol import SERVER_TYPES, SUBPROTOCOL, message, read
from federation.tls import watched_client_context

_ID = "1"  # one subscription per socket
_CLOSE_TIMEOUT_S = 2.0


def subscription_url(url: str) -> str:
    """A subgraph's HTTP URL as its WebSocket URL: the same place, ws:// or wss://."""
    if url.startswith("https://"):
        return "wss://" + url[len("https://"):]
    if url.startswith("http://"):
        return "ws://" + url[len("http://"):]
    return url


class SubgraphSubscription:
    def __init__(self, service: str, url: str, document: str, variables: Mapping[str, Any],
                 operation_name: str | None, headers: Mapping[str, str], *, connect_timeout: float,
                 max_message_bytes: int, tls: SubgraphTlsConfig | None = None) -> None:
        self.service = service
        self.url = url
        self._subscribe = {"query": document, "variables": dict(variables), "operationName": operation_name}
        self._headers = dict(headers)
        self._connect_timeout = connect_timeout
        self._max_bytes = max_message_bytes
        self._tls = tls  # wss://: the subgraph's CA bundle and client certificate, as over https
        self._ws: ClientConnection | None = None
        self._done = False  # the subgraph completed (or failed): no complete to send

    async def open(self) -> None:
        try:
            async with asyncio.timeout(self._connect_timeout):
                context = None
                if self.url.startswith("wss:"):
                    tls = self._tls
                    watched = (watched_client_context() if tls is None
                               else watched_client_context(tls.ca_file, tls.cert_file, tls.key_file))
                    context = watched.fresh()
                self._ws = await connect(
                    self.url, subprotocols=[Subprotocol(SUBPROTOCOL)], additional_headers=self._headers,
                    max_size=self._max_bytes, open_timeout=None, ssl=context,
                    compression=None)
                if self._ws.subprotocol != SUBPROTOCOL:
                    raise ProtocolViolation(f"the subgraph did not accept the {SUBPROTOCOL} subprotocol")
                await self._ws.send(message("connection_init", payload=self._headers))
                while (await self._receive())["type"] != "connection_ack":
                    pass
            await self._ws.send(message("subscribe", _ID, self._subscribe))
        except TimeoutError:
            await self._abort()
            raise self._failed(f"did not acknowledge the connection within {self._connect_timeout:g}s") from None
        except (OSError, InvalidHandshake, InvalidURI, ConnectionClosed, ProtocolViolation) as exc:
            await self._abort()
            raise self._failed(f"could not be subscribed to: {_reason(exc)}") from None
        except SubgraphStreamError:
            await self._abort()
            raise

    async def next(self) -> dict[str, Any] | None:
        """The next event's payload (``data``/``errors``); None once the subgraph completed."""
        if self._done:
            return None
        try:
            while True:
                msg = await self._receive()
                kind = msg["type"]
                if kind == "next" and msg["id"] == _ID:
                    payload: dict[str, Any] = msg["payload"]
                    return payload
                if kind == "complete" and msg["id"] == _ID:
                    self._done = True
                    return None
                if kind == "connection_ack":
                    raise ProtocolViolation("connection_ack received twice")
        except (ConnectionClosed, ProtocolViolation) as exc:
            self._done = True
            raise self._failed(f"broke off the subscription: {_reason(exc)}") from None

    async def _receive(self) -> dict[str, Any]:
        """The next message that is not a ping or pong (pings are answered); ``error`` raises."""
        assert self._ws is not None
        while True:
            msg = read(await self._ws.recv(), SERVER_TYPES)
            kind = msg["type"]
            if kind == "ping":
                await self._ws.send(message("pong"))
            elif kind == "error":
                self._done = True
                errors = msg.get("payload") or []
                text = "; ".join(str(e.get("message")) for e in errors if isinstance(e, dict)) or "no message"
                raise self._failed(f"answered the subscription with an error: {text}")
            elif kind != "pong":
                return msg

    async def close(self) -> None:
        """Stops the subscription (``complete`` if it still runs) and closes the socket; never raises."""
        ws, self._ws = self._ws, None
        if ws is None:
            return
        with contextlib.suppress(Exception):
            async with asyncio.timeout(_CLOSE_TIMEOUT_S):
                if not self._done:
                    await ws.send(message("complete", _ID))
                await ws.close()

    async def _abort(self) -> None:
        self._done = True
        await self.close()

    def _failed(self, what: str) -> SubgraphStreamError:
        return SubgraphStreamError(f"subgraph '{self.service}' {what}")


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ConnectionClosed):
        close = exc.rcvd
        return f"the connection closed (code {close.code}{': ' + close.reason if close and close.reason else ''})" \
            if close is not None else "the connection was lost"
    return str(exc) or type(exc).__name__
