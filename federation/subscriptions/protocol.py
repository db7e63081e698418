"""graphql-transport-ws, the protocol of the ``graphql-ws`` library: what both our sides speak.

Client to server: ``connection_init`` (once, first), ``subscribe`` (id, payload), ``complete`` (id);
server to client: ``connection_ack``, ``next`` (id, payload), ``error`` (id, payload: errors),
``complete`` (id); either way: ``ping`` and ``pong``. A violation closes the socket with one of the
close codes below, as the library defines them.
"""

from __future__ import annotations

from typing import Any

import orjson

from federation.errors import ProtocolViolation

SUBPROTOCOL = "graphql-transport-ws"

# Close codes (graphql-ws's CloseCode), and the standard ones we use.
BAD_REQUEST = 4400  # a message that is not of the protocol
UNAUTHORIZED = 4401  # subscribe before connection_ack
FORBIDDEN = 4403  # connection_init refused (authentication)
SUBPROTOCOL_NOT_ACCEPTABLE = 4406
CONNECTION_INIT_TIMEOUT = 4408
SUBSCRIBER_EXISTS = 4409  # a subscribe with an id already running
TOO_MANY_INIT = 4429  # a second connection_init
INTERNAL_ERROR = 4500
GOING_AWAY = 1001  # the gateway shuts down
NORMAL = 1000

CLIENT_TYPES = frozenset({"connection_init", "subscribe", "complete", "ping", "pong"})
SERVER_TYPES = frozenset({"connection_ack", "next", "error", "complete", "ping", "pong"})


def read(text: str | bytes, allowed: frozenset[str]) -> dict[str, Any]:
    """One message, checked for its shape: an object with a known ``type``, an ``id`` (a non-empty
    string) where the type needs one, and an object ``payload`` where one is required."""
    try:
        message = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise ProtocolViolation("Invalid message received: not JSON") from None
    if not isinstance(message, dict):
        raise ProtocolViolation("Invalid message received: not an object")
    kind = message.get("type")
    if not isinstance(kind, str) or kind not in allowed:
        raise ProtocolViolation(f"Invalid message received: unknown type {kind!r}")
    if kind in ("subscribe", "next", "error", "complete"):
        ident = message.get("id")
        if not isinstance(ident, str) or not ident:
            raise ProtocolViolation(f"Invalid message received: {kind} needs an id")
    payload = message.get("payload")
    if kind in ("subscribe", "next") and not isinstance(payload, dict):
        raise ProtocolViolation(f"Invalid message received: {kind} needs an object payload")
    if kind == "error" and not isinstance(payload, list):
        raise ProtocolViolation("Invalid message received: error needs a list of errors")
    if kind in ("connection_init", "connection_ack", "ping", "pong") and payload is not None \
            and not isinstance(payload, dict):
        raise ProtocolViolation(f"Invalid message received: {kind} payload must be an object")
    return message


def message(kind: str, ident: str | None = None, payload: Any = None) -> str:
    out: dict[str, Any] = {"type": kind}
    if ident is not None:
        out["id"] = ident
    if payload is not None:
        out["payload"] = payload
    return orjson.dumps(out).decode()
