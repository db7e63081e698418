"""The fetcher over fake transports (no sockets): replica order, which failures move a request to
another replica, error codes, and what each call tells its transport."""

from __future__ import annotations

import asyncio
import time

import pytest

from federation.errors import SUBREQUEST_HTTP_ERROR, SUBREQUEST_MALFORMED_RESPONSE, FetchFailure
from federation.execution.fetcher import SubgraphClient, SubgraphEndpoint
from federation.execution.transport import (
    ConnectFailed,
    ConnectionLost,
    ConnectTimeout,
    HttpxTransport,
    LeanTransport,
    MalformedResponse,
    QueueFull,
    SubgraphHttpRequest,
    SubgraphHttpResponse,
    TimedOut,
    TransportConfig,
    TransportError,
    open_transport,
)

OK = SubgraphHttpResponse(200, [(b"Set-Cookie", b"a=1"), (b"set-cookie", b"b=2")], b'{"data": {"ok": true}}')
URLS = ("http://a.test/graphql", "http://b.test/graphql", "http://c.test/graphql")


class FakeTransport:
    """Answers from memory: ``fail`` (an error to raise, or None) decides each call."""

    def __init__(self, config: TransportConfig, fail: TransportError | None = None) -> None:
        self.config = config
        self.fail = fail
        self.sent: list[SubgraphHttpRequest] = []
        self.closed = False

    async def send(self, request: SubgraphHttpRequest) -> SubgraphHttpResponse:
        self.sent.append(request)
        await asyncio.sleep(0)  # let concurrent requests interleave, as real ones do
        if self.fail is not None:
            raise self.fail
        return OK

    async def aclose(self) -> None:
        self.closed = True


def client_with(failing: dict[str, TransportError], urls: tuple[str, ...] = URLS,
                **endpoint: object) -> tuple[SubgraphClient, dict[str, FakeTransport]]:
    made: dict[str, FakeTransport] = {}

    def factory(config: TransportConfig) -> FakeTransport:
        made[config.url] = FakeTransport(config, failing.get(config.url))
        return made[config.url]

    ep = SubgraphEndpoint("products", urls, **endpoint)  # type: ignore[arg-type]
    return SubgraphClient({"PRODUCTS": ep}, transports=factory), made


async def test_requests_start_at_each_replica_in_turn() -> None:
    client, made = client_with({})
    for _ in range(6):
        assert await client.request("PRODUCTS", "{ ok }", None, None) == {"data": {"ok": True}}
    assert [len(made[u].sent) for u in URLS] == [2, 2, 2]


async def test_a_refusing_replica_moves_each_request_to_the_next_replica_never_back() -> None:
    # Every request a call of its own (no deduplication): calls are what is counted.
    client, made = client_with({URLS[1]: ConnectFailed("refused")}, dedupe=False)
    results = await asyncio.gather(*(client.request("PRODUCTS", "{ ok }", None, None) for _ in range(30)))
    assert results == [{"data": {"ok": True}}] * 30
    # b is tried only by the requests that started there; each of those went on to c.
    assert len(made[URLS[1]].sent) == 10
    assert (len(made[URLS[0]].sent), len(made[URLS[2]].sent)) == (10, 20)


async def test_two_replicas_one_down_concurrent_and_sequential_requests_all_answered() -> None:
    # Every request a call of its own (no deduplication): calls are what is counted.
    client, made = client_with({URLS[0]: ConnectFailed("refused")}, urls=URLS[:2], dedupe=False)
    answers = [await client.request("PRODUCTS", "{ ok }", None, None) for _ in range(50)]
    answers += await asyncio.gather(*(client.request("PRODUCTS", "{ ok }", None, None) for _ in range(50)))
    assert answers == [{"data": {"ok": True}}] * 100
    assert len(made[URLS[1]].sent) == 100


async def test_every_replica_refusing_is_one_error_after_trying_each_once() -> None:
    refused = ConnectFailed("connection refused")
    client, made = client_with(dict.fromkeys(URLS, refused))
    with pytest.raises(FetchFailure) as caught:
        await client.request("PRODUCTS", "{ ok }", None, None)
    assert str(caught.value) == "subgraph 'products' could not be reached: connection refused"
    assert caught.value.code == SUBREQUEST_HTTP_ERROR
    assert [len(made[u].sent) for u in URLS] == [1, 1, 1]


async def test_a_mutation_whose_connect_failed_moves_on_since_nothing_was_sent() -> None:
    client, made = client_with({URLS[0]: ConnectFailed("refused")})
    assert await client.request("PRODUCTS", "mutation { ok }", None, None, idempotent=False) == {"data": {"ok": True}}
    assert (len(made[URLS[0]].sent), len(made[URLS[1]].sent)) == (1, 1)
    assert made[URLS[1]].sent[0].idempotent is False


async def test_a_mutation_that_failed_after_sending_is_not_sent_to_another_replica() -> None:
    client, made = client_with({URLS[0]: ConnectionLost("connection closed by the subgraph")})
    with pytest.raises(FetchFailure) as caught:
        await client.request("PRODUCTS", "mutation { ok }", None, None, idempotent=False)
    assert str(caught.value) == "subgraph 'products' could not be reached: connection closed by the subgraph"
    assert [len(made[u].sent) for u in URLS] == [1, 0, 0]


@pytest.mark.parametrize(("error", "message", "code"), [
    (TimedOut("timed out"), "subgraph 'products' timed out", SUBREQUEST_HTTP_ERROR),
    (QueueFull("10 busy"), "subgraph 'products' connection queue is full", SUBREQUEST_HTTP_ERROR),
    (MalformedResponse("bad status"), "subgraph 'products' answered with malformed HTTP: bad status",
     SUBREQUEST_MALFORMED_RESPONSE),
])  # fmt: skip
async def test_transport_errors_become_fetch_failures_with_codes(error: TransportError, message: str,
                                                                 code: str) -> None:
    client, _made = client_with({URLS[0]: error}, urls=URLS[:1])
    with pytest.raises(FetchFailure) as caught:
        await client.request("PRODUCTS", "{ ok }", None, None)
    assert (str(caught.value), caught.value.code, caught.value.service) == (message, code, "products")


async def test_a_connect_timeout_moves_on_each_attempt_with_its_own_timeout_within_the_deadline() -> None:
    class SlowConnect(FakeTransport):
        async def send(self, request: SubgraphHttpRequest) -> SubgraphHttpResponse:
            self.sent.append(request)
            await asyncio.sleep(0.2)
            raise ConnectTimeout("slow")

    made: dict[str, FakeTransport] = {}

    def factory(config: TransportConfig) -> FakeTransport:
        made[config.url] = (SlowConnect if config.url == URLS[0] else FakeTransport)(config)
        return made[config.url]

    client = SubgraphClient({"P": SubgraphEndpoint("products", URLS[:2], timeout=1.0)}, transports=factory)
    assert await client.request("P", "{ ok }", None, None) == {"data": {"ok": True}}
    first, second = made[URLS[0]].sent[0], made[URLS[1]].sent[0]
    assert first.timeout == second.timeout == 1.0
    client = SubgraphClient({"P": SubgraphEndpoint("products", URLS[:2], timeout=1.0)}, transports=factory)
    deadline = time.monotonic() + 1.0
    assert await client.request("P", "{ ok }", None, None, deadline=deadline) == {"data": {"ok": True}}
    second = made[URLS[1]].sent[-1]
    assert 0.5 < second.timeout <= 0.8  # the 0.2 s spent on a is gone from the request's time
    assert second.connect_timeout == second.timeout


async def test_each_call_carries_its_body_headers_and_timeouts_and_the_fixed_headers_go_to_the_transport() -> None:
    client, made = client_with({}, urls=URLS[:1], timeout=8.0, headers={"x-gateway": "yes"})
    await client.request("PRODUCTS", "query Q($id: ID) { ok }", {"id": "1"}, "Q", {"authorization": "Bearer t"})
    transport = made[URLS[0]]
    [sent] = transport.sent
    assert sent.url == URLS[0]
    assert sent.body == b'{"query":"query Q($id: ID) { ok }","variables":{"id":"1"},"operationName":"Q"}'
    assert sent.headers == {"authorization": "Bearer t"}
    assert (sent.timeout, sent.connect_timeout, sent.idempotent) == (8.0, 5.0, True)
    assert dict(transport.config.headers) == {"content-type": "application/json", "accept": "application/json",
                                              "x-gateway": "yes"}
    assert (transport.config.max_connections, transport.config.max_waiters) == (100, 1000)
    assert not client.is_closed
    await client.aclose()
    assert transport.closed and client.is_closed


def test_the_connect_timeout_defaults_to_the_smaller_of_the_timeout_and_five_seconds() -> None:
    assert SubgraphEndpoint("a", URLS, timeout=30.0).connect_limit == 5.0
    assert SubgraphEndpoint("a", URLS, timeout=2.0).connect_limit == 2.0
    assert SubgraphEndpoint("a", URLS, timeout=30.0, connect_timeout=0.5).connect_limit == 0.5
    assert SubgraphEndpoint("a", URLS, timeout=1.0, connect_timeout=3.0).connect_limit == 1.0
    with pytest.raises(ValueError):
        SubgraphEndpoint("a", URLS, max_connections=0)


def test_the_response_keeps_every_header() -> None:
    assert OK.header_values("set-cookie") == ["a=1", "b=2"]
    assert OK.header("Set-Cookie") == "a=1, b=2"
    assert OK.header("cache-control") is None


async def test_the_transport_is_chosen_by_scheme_once_per_replica() -> None:
    lean = open_transport(TransportConfig("http://127.0.0.1:1/graphql"))
    tls = open_transport(TransportConfig("https://127.0.0.1:1/graphql"))  # lean too: asyncio's TLS
    other = open_transport(TransportConfig("http:///graphql"))  # no host: httpx, which reports it
    assert isinstance(lean, LeanTransport) and isinstance(tls, LeanTransport) and isinstance(other, HttpxTransport)
    for transport in (lean, tls, other):
        await transport.aclose()
