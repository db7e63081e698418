"""``max_response_bytes`` over real sockets on 127.0.0.1, for both transports: an answer declared or
growing past the limit fails that fetch with its own code, its connection is closed (the server
stops being read long before it has sent everything) and the pool's place is free again."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from federation.errors import SUBREQUEST_RESPONSE_TOO_LARGE, FetchFailure
from federation.execution.fetcher import SubgraphClient, SubgraphEndpoint
from federation.execution.transport import (
    HttpxTransport,
    LeanTransport,
    ResponseTooLarge,
    SubgraphHttpRequest,
    Transport,
    TransportConfig,
)

LIMIT = 64 * 1024
TOTAL = 40 * 1024 * 1024  # what the server would send if it were read to the end
CHUNK = 64 * 1024
HOLD_LIMIT_S = 10.0


class BigAnswers:
    """Answers every request with ``TOTAL`` bytes of a JSON string, declared up front or chunked,
    counting what it managed to write before the client went away."""

    def __init__(self, declare: bool) -> None:
        self.declare = declare
        self.written = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> BigAnswers:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/graphql"

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HOLD_LIMIT_S)
            length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length"))
            await reader.readexactly(length)
            framing = b"content-length: %d\r\n" % TOTAL if self.declare else b"transfer-encoding: chunked\r\n"
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n" + framing + b"\r\n")
            piece = b"x" * CHUNK
            for _ in range(TOTAL // CHUNK):
                writer.write(piece if self.declare else b"%x\r\n%s\r\n" % (len(piece), piece))
                await asyncio.wait_for(writer.drain(), HOLD_LIMIT_S)
                self.written += len(piece)
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass
        finally:
            writer.close()

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.server.wait_closed(), 2.0)


@pytest.fixture(params=[True, False], ids=["content-length", "chunked"])
async def big(request: pytest.FixtureRequest) -> AsyncIterator[BigAnswers]:
    server = await BigAnswers(declare=request.param).start()
    yield server
    await server.stop()


def transport(kind: str, url: str) -> Transport:
    config = TransportConfig(url, (("content-type", "application/json"),), 4, 10, None, LIMIT)
    return LeanTransport(config) if kind == "lean" else HttpxTransport(config)


@pytest.mark.parametrize("kind", ["lean", "httpx"])
async def test_an_answer_over_the_limit_is_refused_without_reading_it_all(kind: str, big: BigAnswers) -> None:
    sender = transport(kind, big.url)
    request = SubgraphHttpRequest(big.url, b'{"query": "{ ok }"}', None, 5.0, 5.0)
    for _ in range(3):  # and again: the place in the pool was given back each time
        with pytest.raises(ResponseTooLarge) as caught:
            await sender.send(request)
        assert f"max_response_bytes ({LIMIT})" in str(caught.value)
    if isinstance(sender, LeanTransport):
        assert sender.open_connections == 0
    await sender.aclose()
    await asyncio.sleep(0.05)
    assert big.written < TOTAL // 4


async def test_the_fetch_fails_with_the_size_code() -> None:
    server = await BigAnswers(declare=False).start()
    client = SubgraphClient({"P": SubgraphEndpoint("products", (server.url,), max_response_bytes=LIMIT)})
    with pytest.raises(FetchFailure) as caught:
        await client.request("P", "{ ok }", None, None)
    await client.aclose()
    await server.stop()
    assert caught.value.code == SUBREQUEST_RESPONSE_TOO_LARGE
    assert str(caught.value).startswith("subgraph 'products' answer over max_response_bytes (65536)")


@pytest.mark.parametrize("kind", ["lean", "httpx"])
async def test_an_answer_just_under_the_limit_is_read_whole(kind: str) -> None:
    body = b'{"data": {"s": "' + b"y" * (LIMIT - 20) + b'"}}'

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length"))
        await reader.readexactly(length)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/graphql"
    sender = transport(kind, url)
    response = await sender.send(SubgraphHttpRequest(url, b"{}", None, 5.0, 5.0))
    await sender.aclose()
    server.close()
    assert len(body) <= LIMIT and response.body == body
