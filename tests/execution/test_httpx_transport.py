"""The httpx transport, as used for https subgraphs, against a TLS server on 127.0.0.1 with a
certificate made for the test: answers and headers, the TLS handshake under the timeout, the cap on
open connections and the bounded queue."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from federation.config import SubgraphTlsConfig
from federation.errors import SUBREQUEST_HTTP_ERROR, FetchFailure
from federation.execution.fetcher import SubgraphClient, SubgraphEndpoint
from federation.execution.transport import (
    HttpxTransport,
    QueueFull,
    SubgraphHttpRequest,
    TlsFailed,
    TransportConfig,
)

from .raw_servers import ANSWER, CountingServer, SelfSigned, SilentServer, self_signed

SLACK_S = 0.5  # scheduling on a shared 2-core machine


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> SelfSigned:
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.fixture
async def tls_server(certificate: SelfSigned) -> AsyncIterator[CountingServer]:
    server = await CountingServer(delay=0.002, tls=certificate.server_context()).start()
    yield server
    await server.stop()


def call(url: str, timeout: float = 5.0) -> SubgraphHttpRequest:
    return SubgraphHttpRequest(url, b'{"query": "{ ok }"}', {"x-call": "1"}, timeout, min(timeout, 5.0))


async def test_an_https_subgraph_answers_with_its_headers(tls_server: CountingServer, certificate: SelfSigned) -> None:
    transport = HttpxTransport(TransportConfig(tls_server.url, (("accept", "application/json"),),
                                               tls=SubgraphTlsConfig(ca_file=str(certificate.cert))))
    response = await transport.send(call(tls_server.url))
    await transport.aclose()
    assert (response.status, response.body) == (200, ANSWER)
    assert response.header_values("set-cookie") == ["a=1", "b=2"]
    assert response.header("cache-control") == "max-age=5"


async def test_an_untrusted_certificate_is_refused(tls_server: CountingServer) -> None:
    transport = HttpxTransport(TransportConfig(tls_server.url))
    with pytest.raises(TlsFailed):
        await transport.send(call(tls_server.url))
    await transport.aclose()


async def test_through_the_client_an_https_replica_is_called_with_the_ca_file(
        tls_server: CountingServer, certificate: SelfSigned) -> None:
    endpoint = SubgraphEndpoint("products", (tls_server.url,), tls=SubgraphTlsConfig(ca_file=str(certificate.cert)))
    client = SubgraphClient({"P": endpoint})
    assert await client.request("P", "{ ok }", None, None) == {"data": {"ok": True}}
    await client.aclose()


@pytest.mark.parametrize("connect_timeout", [None, 0.2])
async def test_a_server_that_never_completes_the_tls_handshake_fails_within_the_timeout(
        connect_timeout: float | None, certificate: SelfSigned) -> None:
    silent = await SilentServer().start()
    endpoint = SubgraphEndpoint("products", (silent.url("https"),), timeout=1.0, connect_timeout=connect_timeout,
                                tls=SubgraphTlsConfig(ca_file=str(certificate.cert)))
    client = SubgraphClient({"P": endpoint})
    started = time.monotonic()
    with pytest.raises(FetchFailure) as caught:
        await client.request("P", "{ ok }", None, None)
    elapsed = time.monotonic() - started
    await client.aclose()
    await silent.stop()
    assert (str(caught.value), caught.value.code) == ("subgraph 'products' timed out", SUBREQUEST_HTTP_ERROR)
    assert silent.accepted >= 1  # TCP was accepted: it is the handshake that never ended
    assert endpoint.connect_limit * 0.8 < elapsed < endpoint.connect_limit + SLACK_S


async def test_an_https_subgraph_that_never_answers_times_out_within_the_timeout(certificate: SelfSigned) -> None:
    hang = CountingServer(delay=30.0, tls=certificate.server_context())  # until it stops
    await hang.start()
    client = SubgraphClient({"P": SubgraphEndpoint("products", (hang.url,), timeout=0.5,
                                                   tls=SubgraphTlsConfig(ca_file=str(certificate.cert)))})
    started = time.monotonic()
    with pytest.raises(FetchFailure) as caught:
        await client.request("P", "{ ok }", None, None)
    elapsed = time.monotonic() - started
    await client.aclose()
    await hang.stop()
    assert str(caught.value) == "subgraph 'products' timed out"
    assert elapsed < 0.5 + SLACK_S


async def test_a_burst_of_500_never_holds_more_than_the_cap_open(tls_server: CountingServer,
                                                                  certificate: SelfSigned) -> None:
    # Every request a call of its own (no deduplication): calls are what is counted.
    endpoint = SubgraphEndpoint("products", (tls_server.url,), timeout=30.0, max_connections=10,
                                tls=SubgraphTlsConfig(ca_file=str(certificate.cert)), dedupe=False)
    client = SubgraphClient({"P": endpoint})
    results = await asyncio.gather(*(client.request("P", "{ ok }", None, None) for _ in range(500)),
                                   return_exceptions=True)
    await client.aclose()
    assert results == [{"data": {"ok": True}}] * 500
    assert 2 <= tls_server.peak <= 10


async def test_beyond_the_queue_https_requests_fail_at_once(certificate: SelfSigned) -> None:
    slow = await CountingServer(delay=0.3, tls=certificate.server_context()).start()
    transport = HttpxTransport(TransportConfig(slow.url, max_connections=2, max_waiters=3,
                                               tls=SubgraphTlsConfig(ca_file=str(certificate.cert))))
    results = await asyncio.gather(*(transport.send(call(slow.url)) for _ in range(20)), return_exceptions=True)
    await transport.aclose()
    await slow.stop()
    assert sum(1 for r in results if isinstance(r, QueueFull)) == 15
    assert [r.status for r in results if not isinstance(r, BaseException)] == [200] * 5
