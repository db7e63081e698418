"""Sending streamed answers: @defer's parts and subscription events, as they come.

    multipart/mixed    each payload a part (boundary ``-``); subscriptions wrap each event as
                       ``{"payload": ...}`` and send ``{}`` as a heartbeat, as Apollo's multipart
                       subscription protocol does
    text/event-stream  ``event: next`` per payload, ``event: complete`` at the end (GraphQL over
                       SSE, distinct connections mode); a comment line as the heartbeat

The stream stops when the payloads end, the client goes away (``http.disconnect``), or a write
waits longer than ``write_timeout`` (a client that stopped reading: the server's buffers are full):
the payload iterator is closed either way, so what it holds (a subgraph subscription, a deferred
fetch) is let go, and nothing more is buffered for that client.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator
from typing import Any

import orjson

from federation.errors import INTERNAL_SERVER_ERROR, graphql_error
from federation.http.negotiation import StreamMedia
from federation.http.types import Headers, Receive, Send
from federation.request import GraphQLResponse, ResponseStream

log = logging.getLogger("federation.http")

_PART = b"\r\n---\r\ncontent-type: application/json; charset=utf-8\r\n\r\n"
_END = b"\r\n-----\r\n"
_HEARTBEAT_S = 5.0  # Apollo clients expect a multipart heartbeat at least this often
_WRITE_TIMEOUT_S = 30.0  # http.stream_write_timeout's default


def content_type(media: StreamMedia, incremental: bool) -> bytes:
    if media is StreamMedia.EVENT_STREAM:
        return b"text/event-stream; charset=utf-8"
    spec = b'deferSpec=20220824' if incremental else b'subscriptionSpec="1.0"'
    return b'multipart/mixed; boundary="-"; ' + spec


async def send_stream(
    send: Send,
    receive: Receive,
    response: GraphQLResponse,
    media: StreamMedia,
    headers: Headers,
    heartbeat_s: float = _HEARTBEAT_S,
    write_timeout: float = _WRITE_TIMEOUT_S,
) -> None:
    """Send ``response`` (its ``stream`` set) until it ends, the client disconnects or stops reading."""
    stream = response.stream
    assert stream is not None
    out: Headers = [(b"content-type", content_type(media, stream.incremental)), (b"cache-control", b"no-cache")]
    out += headers
    await send({"type": "http.response.start", "status": 200, "headers": out})
    if media is StreamMedia.MULTIPART:
        frame, heartbeat, end = _multipart_part if stream.incremental else _multipart_event, _PART + b"{}", _END
    else:
        frame, heartbeat, end = _sse_frame, b":\n\n", b"event: complete\ndata:\n\n"
    disconnected = asyncio.ensure_future(_disconnect(receive))
    try:
        if stream.incremental:
            await _body(send, frame(response.body), write_timeout)
        # Closed here when a write fails too: its pending ``__anext__`` ends before the payloads close.
        async with contextlib.aclosing(_with_heartbeats(stream, disconnected, heartbeat_s)) as payloads:
            async for payload in payloads:
                await _body(send, heartbeat if payload is None else frame(payload), write_timeout)
        if not disconnected.done():
            async with asyncio.timeout(write_timeout):
                await send({"type": "http.response.body", "body": end, "more_body": False})
    except TimeoutError:
        # The response stays unfinished: the server closes the connection when the app returns.
        log.info("a streamed answer's client stopped reading for %.1f s: dropped", write_timeout)
    finally:
        disconnected.cancel()
        await stream.payloads.aclose()


def _multipart_part(payload: dict[str, Any]) -> bytes:
    return _PART + orjson.dumps(payload)


def _multipart_event(payload: dict[str, Any]) -> bytes:
    return _PART + orjson.dumps({"payload": payload})  # Apollo's multipart subscriptions wrap each event


def _sse_frame(payload: dict[str, Any]) -> bytes:
    return b"event: next\ndata: " + orjson.dumps(payload) + b"\n\n"


async def _body(send: Send, chunk: bytes, timeout: float) -> None:
    # The server's send waits while its write buffer is full (flow control): bounded here.
    async with asyncio.timeout(timeout):
        await send({"type": "http.response.body", "body": chunk, "more_body": True})


async def _disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _with_heartbeats(
    stream: ResponseStream, disconnected: asyncio.Future[None], heartbeat_s: float
) -> AsyncGenerator[dict[str, Any] | None, None]:
    """The payloads, a None whenever ``heartbeat_s`` passes without one; stops at a disconnect.
    One pending ``__anext__`` is kept across heartbeats: cancelling it would end the generator."""
    pending: asyncio.Future[dict[str, Any]] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(stream.payloads.__anext__())
            waiting: set[asyncio.Future[Any]] = {pending, disconnected}
            done, _ = await asyncio.wait(waiting, timeout=heartbeat_s, return_when=asyncio.FIRST_COMPLETED)
            if disconnected in done:
                return
            if pending not in done:
                yield None
                continue
            current, pending = pending, None
            try:
                payload = current.result()
            except StopAsyncIteration:
                return
            except Exception:
                log.exception("a streamed answer failed")
                failed: dict[str, Any] = {"errors": [graphql_error("Internal server error.", INTERNAL_SERVER_ERROR)]}
                yield {**failed, "hasNext": False} if stream.incremental else failed
                return
            yield payload
    finally:
        if pending is not None and not pending.done():
            pending.cancel()
            with contextlib.suppress(BaseException):
                await pending
