"""The lean keep-alive transport over real sockets on 127.0.0.1: the timeout covers everything, open
connections never pass the cap, the queue is bounded, and every path gives its connection back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from federation.errors import SUBREQUEST_HTTP_ERROR, FetchFailure
from federation.execution.fetcher import SubgraphClient, SubgraphEndpoint
from federation.execution.transport import (
    ConnectionLost,
    LeanTransport,
    SubgraphHttpRequest,
    TimedOut,
    TransportConfig,
)

from .raw_servers import ANSWER, CountingServer, SilentServer

SLACK_S = 0.5  # scheduling on a shared 2-core machine
WAIT_LIMIT = 200  # event-loop turns, each of 10 ms at most


@pytest.fixture
async def silent() -> AsyncIterator[SilentServer]:
    server = await SilentServer().start()
    yield server
    await server.stop()


async def counting(delay: float = 0.0) -> CountingServer:
    return await CountingServer(delay).start()


def call(url: str, timeout: float = 5.0) -> SubgraphHttpRequest:
    return SubgraphHttpRequest(url, b'{"query": "{ ok }"}', None, timeout, min(timeout, 5.0))


def lean(url: str, cap: int = 10, waiters: int = 1000) -> LeanTransport:
    return LeanTransport(TransportConfig(url, (("content-type", "application/json"),), cap, waiters))


async def settled(server: CountingServer) -> None:
    """Waits until the server has seen every connection the client closed go away."""
    for _ in range(WAIT_LIMIT):
        if server.open == 0:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the server still holds {server.open} connections")


async def test_a_subgraph_that_accepts_and_never_answers_times_out_within_the_timeout(silent: SilentServer) -> None:
    client = SubgraphClient({"P": SubgraphEndpoint("products", (silent.url("http"),), timeout=0.5)})
    started = time.monotonic()
    with pytest.raises(FetchFailure) as caught:
        await client.request("P", "{ ok }", None, None)
    elapsed = time.monotonic() - started
    await client.aclose()
    assert (str(caught.value), caught.value.code) == ("subgraph 'products' timed out", SUBREQUEST_HTTP_ERROR)
    assert 0.4 < elapsed < 0.5 + SLACK_S
    assert silent.accepted >= 1  # (another process on this machine may knock too)


async def test_the_response_headers_come_back_in_order() -> None:
    server = await counting()
    transport = lean(server.url)
    response = await transport.send(call(server.url))
    await transport.aclose()
    await server.stop()
    assert (response.status, response.body) == (200, ANSWER)
    assert response.header_values("set-cookie") == ["a=1", "b=2"]
    assert response.header("cache-control") == "max-age=5"


async def test_a_burst_of_500_never_holds_more_than_the_cap_open_and_all_are_answered() -> None:
    server = await counting(delay=0.002)
    # Every request a call of its own (no deduplication): calls are what is counted.
    endpoint = SubgraphEndpoint("products", (server.url,), timeout=20.0, max_connections=10, dedupe=False)
    client = SubgraphClient({"P": endpoint})
    results = await asyncio.gather(*(client.request("P", "{ ok }", None, None) for _ in range(500)),
                                   return_exceptions=True)
    await client.aclose()
    await server.stop()
    assert results == [{"data": {"ok": True}}] * 500
    assert server.requests == 500
    assert 2 <= server.peak <= 10
    assert server.accepted <= 10  # connections are handed on to waiters, not opened anew


async def test_beyond_the_queue_requests_fail_at_once_with_the_code() -> None:
    server = await counting(delay=0.3)
    # Every request a call of its own (no deduplication): calls are what is counted.
    endpoint = SubgraphEndpoint("products", (server.url,), timeout=5.0, max_connections=2, max_waiters=3,
                                dedupe=False)
    client = SubgraphClient({"P": endpoint})

    async def timed() -> tuple[float, object]:
        started = time.monotonic()
        try:
            return time.monotonic() - started, await client.request("P", "{ ok }", None, None)
        except FetchFailure as failure:
            return time.monotonic() - started, failure

    results = await asyncio.gather(*(timed() for _ in range(50)))
    await client.aclose()
    await server.stop()
    answered = [r for _, r in results if r == {"data": {"ok": True}}]
    refused = [(t, r) for t, r in results if isinstance(r, FetchFailure)]
    assert len(answered) == 5 and len(refused) == 45
    assert {(str(r), r.code) for _, r in refused} == {
        ("subgraph 'products' connection queue is full", SUBREQUEST_HTTP_ERROR)}
    assert max(t for t, _ in refused) < 0.2  # long before the first answer
    assert server.peak <= 2


async def test_waiting_for_a_connection_counts_against_the_timeout() -> None:
    server = await counting(delay=0.4)
    transport = lean(server.url, cap=1)
    first = asyncio.ensure_future(transport.send(call(server.url, timeout=2.0)))
    await asyncio.sleep(0.05)
    started = time.monotonic()
    with pytest.raises(TimedOut):
        await transport.send(call(server.url, timeout=0.2))
    assert time.monotonic() - started < 0.2 + SLACK_S
    assert (await first).status == 200
    assert (transport.open_connections, transport.waiting) == (1, 0)
    await transport.aclose()
    await server.stop()


async def test_timeouts_give_every_connection_and_place_back(silent: SilentServer) -> None:
    transport = lean(silent.url("http"), cap=3)
    results = await asyncio.gather(*(transport.send(call(silent.url("http"), timeout=0.3)) for _ in range(20)),
                                   return_exceptions=True)
    assert all(isinstance(r, TimedOut) for r in results)
    assert (transport.open_connections, transport.waiting) == (0, 0)
    assert silent.accepted <= 3
    await transport.aclose()


async def test_cancelled_requests_give_every_connection_and_place_back() -> None:
    server = await counting(delay=0.3)
    transport = lean(server.url, cap=3)
    tasks = [asyncio.ensure_future(transport.send(call(server.url))) for _ in range(20)]
    await asyncio.sleep(0.1)
    assert (transport.open_connections, transport.waiting) == (3, 17)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert (transport.open_connections, transport.waiting) == (0, 0)
    await settled(server)
    response = await transport.send(call(server.url))  # and the transport still works
    assert response.status == 200
    assert transport.open_connections == 1
    await transport.aclose()
    await server.stop()


async def test_cancelling_half_the_waiters_leaves_the_rest_served() -> None:
    server = await counting(delay=0.05)
    transport = lean(server.url, cap=2)
    tasks = [asyncio.ensure_future(transport.send(call(server.url))) for _ in range(20)]
    await asyncio.sleep(0.01)
    # Only queued ones: a connection cancelled mid-connect may linger on the server's side a moment.
    for task in tasks[3::2]:
        task.cancel()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert [r.status for r in results[:3] + results[4::2]] == [200] * 11  # type: ignore[union-attr]
    assert all(isinstance(r, asyncio.CancelledError) for r in results[3::2])
    assert transport.waiting == 0 and transport.open_connections <= 2
    assert server.peak <= 2
    await transport.aclose()
    await server.stop()


async def test_errors_give_the_connection_back() -> None:
    async def drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.close()

    server = await asyncio.start_server(drop, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/graphql"
    transport = lean(url, cap=2)
    results = await asyncio.gather(*(transport.send(call(url)) for _ in range(10)), return_exceptions=True)
    assert all(isinstance(r, ConnectionLost) for r in results)
    assert (transport.open_connections, transport.waiting) == (0, 0)
    await transport.aclose()
    server.close()
    await server.wait_closed()


async def test_connections_are_kept_for_reuse_up_to_the_cap() -> None:
    server = await counting(delay=0.01)
    transport = lean(server.url, cap=4)
    for _ in range(3):
        await asyncio.gather(*(transport.send(call(server.url)) for _ in range(12)))
    assert server.accepted == 4 and transport.open_connections == 4
    await transport.aclose()
    assert transport.open_connections == 0
    await settled(server)
    await server.stop()
