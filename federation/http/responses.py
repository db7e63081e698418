"""Sending whole responses: JSON bodies (orjson), GraphQL error bodies, plain bytes."""

from __future__ import annotations

from typing import Any

import orjson

from federation.errors import graphql_error, status_of
from federation.http.types import Headers, Send

JSON = b"application/json; charset=utf-8"
GRAPHQL_RESPONSE_JSON = b"application/graphql-response+json; charset=utf-8"


async def send_bytes(
    send: Send, status: int, body: bytes, content_type: bytes, headers: Headers | None = None
) -> None:
    if status in (204, 304):  # no body, so no content headers (h11 refuses them on these)
        out: Headers = []
        body = b""
    else:
        out = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
    if headers:
        out.extend(headers)
    await send({"type": "http.response.start", "status": status, "headers": out})
    await send({"type": "http.response.body", "body": body})


async def send_json(
    send: Send, status: int, body: Any, content_type: bytes = JSON, headers: Headers | None = None
) -> None:
    await send_bytes(send, status, orjson.dumps(body), content_type, headers)


async def send_error(
    send: Send,
    code: str,
    message: str,
    *,
    status: int | None = None,
    content_type: bytes = JSON,
    headers: Headers | None = None,
) -> None:
    """A request refused before execution: ``{"errors": [...]}`` with the code's HTTP status."""
    body = {"errors": [graphql_error(message, code)]}
    await send_json(send, status or status_of(code), body, content_type, headers)
