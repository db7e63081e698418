"""Failover, passive ejection, the circuit breaker and the retry budget, over fake transports (no
sockets): which replica each attempt goes to, what is retried, and when the subgraph is left alone."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from federation.config import BreakerConfig, EjectionConfig, RetryConfig
from federation.errors import REQUEST_DEADLINE_EXCEEDED, SUBREQUEST_CIRCUIT_OPEN, SUBREQUEST_HTTP_ERROR, FetchFailure
from federation.execution import breaker as breakers
from federation.execution.breaker import Breaker
from federation.execution.fetcher import SubgraphClient, SubgraphEndpoint
from federation.execution.replicas import Replica, ReplicaSet
from federation.execution.retry import RetryBudget, backoff
from federation.execution.transport import (
    ConnectFailed,
    ConnectionLost,
    SubgraphHttpRequest,
    SubgraphHttpResponse,
    TimedOut,
    TransportConfig,
    TransportError,
)

OK = SubgraphHttpResponse(200, [], b'{"data": {"ok": true}}')
BAD = SubgraphHttpResponse(503, [], b"<html>unavailable</html>")
URLS = ("http://a.test/graphql", "http://b.test/graphql", "http://c.test/graphql")
NO_BREAKER = BreakerConfig(enabled=False)

Behaviour = Callable[[SubgraphHttpRequest], SubgraphHttpResponse | TransportError]


class Scripted:
    """A transport whose ``behaviour`` decides each call: an answer, or an error to raise."""

    def __init__(self, config: TransportConfig, behaviour: Behaviour) -> None:
        self.config = config
        self.behaviour = behaviour
        self.sent: list[SubgraphHttpRequest] = []

    async def send(self, request: SubgraphHttpRequest) -> SubgraphHttpResponse:
        self.sent.append(request)
        await asyncio.sleep(0)
        outcome = self.behaviour(request)
        if isinstance(outcome, TransportError):
            raise outcome
        return outcome

    async def aclose(self) -> None:
        pass


def scripted(behaviours: dict[str, Behaviour], urls: tuple[str, ...] = URLS,
             **endpoint: object) -> tuple[SubgraphClient, dict[str, Scripted]]:
    made: dict[str, Scripted] = {}

    def factory(config: TransportConfig) -> Scripted:
        made[config.url] = Scripted(config, behaviours.get(config.url, lambda _r: OK))
        return made[config.url]

    ep = SubgraphEndpoint("products", urls, **endpoint)  # type: ignore[arg-type]
    return SubgraphClient({"P": ep}, transports=factory), made


def calls(made: dict[str, Scripted], urls: tuple[str, ...] = URLS) -> list[int]:
    return [len(made[u].sent) for u in urls]


async def query(client: SubgraphClient, idempotent: bool = True) -> dict[str, object] | str:
    try:
        return await client.request("P", "{ ok }", None, None, idempotent=idempotent)
    except FetchFailure as failure:
        return failure.code


# -- failover and retries ------------------------------------------------------------------------

@pytest.mark.parametrize("error", [TimedOut("timed out"), ConnectionLost("reset"), BAD])
async def test_a_query_that_fails_after_sending_moves_to_another_replica(
        error: TransportError | SubgraphHttpResponse) -> None:
    client, made = scripted({URLS[0]: lambda _r: error}, urls=URLS[:2], breaker=NO_BREAKER)
    assert await query(client) == {"data": {"ok": True}}
    assert calls(made, URLS[:2]) == [1, 1]


@pytest.mark.parametrize("error", [TimedOut("timed out"), ConnectionLost("reset"), BAD])
async def test_a_mutation_that_may_have_been_sent_is_never_sent_again(
        error: TransportError | SubgraphHttpResponse) -> None:
    client, made = scripted({URLS[0]: lambda _r: error}, urls=URLS[:2], breaker=NO_BREAKER)
    assert await query(client, idempotent=False) == SUBREQUEST_HTTP_ERROR
    assert calls(made, URLS[:2]) == [1, 0]


async def test_a_mutation_whose_connect_failed_goes_to_the_next_replica() -> None:
    client, made = scripted({URLS[0]: lambda _r: ConnectFailed("refused")}, urls=URLS[:2])
    assert await query(client, idempotent=False) == {"data": {"ok": True}}
    assert calls(made, URLS[:2]) == [1, 1]


async def test_one_replica_a_5xx_is_retried_on_it_after_a_backoff_but_a_timeout_is_not() -> None:
    answers = iter([BAD, OK])
    client, made = scripted({URLS[0]: lambda _r: next(answers)}, urls=URLS[:1], breaker=NO_BREAKER)
    assert await query(client) == {"data": {"ok": True}}
    assert calls(made, URLS[:1]) == [2]
    client, made = scripted({URLS[0]: lambda _r: TimedOut("timed out")}, urls=URLS[:1], breaker=NO_BREAKER)
    assert await query(client) == SUBREQUEST_HTTP_ERROR
    assert calls(made, URLS[:1]) == [1]  # waiting the whole timeout again where it ran out rarely pays


async def test_retries_stop_at_max_retries() -> None:
    client, made = scripted(dict.fromkeys(URLS, lambda _r: BAD), breaker=NO_BREAKER,
                            retry=RetryConfig(max_retries=1))
    assert await query(client) == SUBREQUEST_HTTP_ERROR
    assert sum(calls(made)) == 2
    client, made = scripted(dict.fromkeys(URLS, lambda _r: BAD), breaker=NO_BREAKER,
                            retry=RetryConfig(max_retries=0))
    assert await query(client) == SUBREQUEST_HTTP_ERROR
    assert sum(calls(made)) == 1


async def test_the_retry_budget_caps_extra_load_on_a_failing_subgraph() -> None:
    # Every attempt fails: without a budget 200 fetches would make 600 attempts (max_retries=2).
    retry = RetryConfig(max_retries=2, budget_ratio=0.2, min_per_second=1.0, window=10.0)
    client, made = scripted(dict.fromkeys(URLS, lambda _r: BAD), breaker=NO_BREAKER, retry=retry)
    for _ in range(200):
        assert await query(client) == SUBREQUEST_HTTP_ERROR
    retries = sum(calls(made)) - 200
    assert 40 <= retries <= 40 + 10 + 1  # 20% of the fetches, plus one per second of the window


def test_the_budget_refills_as_the_window_moves_on() -> None:
    budget = RetryBudget(RetryConfig(budget_ratio=0.5, min_per_second=0.0, window=10.0))
    for _ in range(4):
        budget.fetched(100.0)
    assert [budget.try_spend(100.0) for _ in range(3)] == [True, True, False]
    assert not budget.try_spend(105.0)
    budget.fetched(111.0)
    budget.fetched(111.0)
    assert budget.try_spend(111.0)  # the old fetches and retries have left the window


def test_backoff_is_jittered_and_capped() -> None:
    config = RetryConfig(backoff_base=0.01, backoff_max=0.05)
    pauses = [backoff(config, attempt) for attempt in range(8) for _ in range(20)]
    assert all(0.0 <= p <= 0.05 for p in pauses)
    assert len(set(pauses)) > 100


async def test_every_attempt_stays_within_the_deadline() -> None:
    client, made = scripted({}, urls=URLS[:1], timeout=10.0)
    deadline = time.monotonic() + 0.5
    assert await client.request("P", "{ ok }", None, None, deadline=deadline) == {"data": {"ok": True}}
    [sent] = made[URLS[0]].sent
    assert 0.3 < sent.timeout <= 0.5 and sent.connect_timeout <= sent.timeout
    with pytest.raises(FetchFailure) as caught:
        await client.request("P", "{ ok }", None, None, deadline=time.monotonic() - 0.1)
    assert caught.value.code == REQUEST_DEADLINE_EXCEEDED
    assert len(made[URLS[0]].sent) == 1  # nothing sent once the time is gone


# -- passive ejection ----------------------------------------------------------------------------

def ring(count: int = 2) -> ReplicaSet:
    return ReplicaSet([Replica(u, None) for u in URLS[:count]],  # type: ignore[arg-type]
                      EjectionConfig(failures=3, base_time=5.0, max_time=12.0))


def test_a_replica_failing_in_a_row_is_ejected_then_back_with_a_doubling_cool_off() -> None:
    replicas = ring()
    a, b = replicas.replicas
    for _ in range(2):
        replicas.failed(a, 100.0)
    assert a.healthy(100.0)
    replicas.failed(a, 100.0)
    assert not a.healthy(100.0) and a.healthy(105.0)
    assert [replicas.order(101.0)[0] for _ in range(4)] == [b, b, b, b]  # skipped while ejected
    replicas.failed(a, 105.0)  # back, and failing at once: out again, for twice as long
    assert not a.healthy(114.9) and a.healthy(115.0)
    replicas.failed(a, 115.0)
    assert a.ejected_until == 115.0 + 12.0  # capped by max_time
    replicas.succeeded(a)
    assert (a.failures, a.ejections) == (0, 0)


def test_a_success_between_failures_clears_the_count() -> None:
    replicas = ring()
    a, _b = replicas.replicas
    for _ in range(10):
        replicas.failed(a, 100.0)
        replicas.failed(a, 100.0)
        replicas.succeeded(a)
    assert a.healthy(100.0)


def test_when_every_replica_is_ejected_the_least_recently_failed_goes_first() -> None:
    replicas = ring(3)
    a, b, c = replicas.replicas
    for replica, when in ((b, 100.0), (a, 101.0), (c, 102.0)):
        for _ in range(3):
            replicas.failed(replica, when)
    assert replicas.order(103.0) == [b, a, c]


async def test_a_dead_replica_stops_getting_requests_after_it_is_ejected() -> None:
    client, made = scripted({URLS[0]: lambda _r: TimedOut("timed out")}, urls=URLS[:2],
                            ejection=EjectionConfig(failures=2, base_time=60.0))
    for _ in range(40):
        assert await query(client) == {"data": {"ok": True}}
    assert calls(made, URLS[:2]) == [2, 40]


# -- circuit breaker -----------------------------------------------------------------------------

def test_the_breaker_opens_on_failures_and_ratio_then_probes_and_closes() -> None:
    breaker = Breaker(BreakerConfig(failures=3, ratio=0.5, window=10.0, open_for=5.0, probes=2))
    for _ in range(10):
        breaker.succeeded(breaker.admit(100.0))
    for _ in range(3):
        breaker.failed(breaker.admit(100.0), 100.0)
    assert breaker.state == breakers.CLOSED  # 3 failures in 13 fetches: below the ratio
    for _ in range(7):
        breaker.failed(breaker.admit(101.0), 101.0)
    assert breaker.state == breakers.OPEN
    assert breaker.admit(105.9) == breakers.REFUSED
    first, second, third = (breaker.admit(106.0) for _ in range(3))
    assert (first, second, third) == (breakers.PROBE, breakers.PROBE, breakers.REFUSED)
    assert breaker.state == breakers.HALF_OPEN
    breaker.failed(first, 106.1)
    assert breaker.state == breakers.OPEN and breaker.admit(111.0) == breakers.REFUSED
    probe = breaker.admit(111.1)
    breaker.succeeded(probe)
    assert breaker.state == breakers.CLOSED and breaker.admit(111.2) == breakers.PASS


def test_old_failures_leave_the_window() -> None:
    breaker = Breaker(BreakerConfig(failures=3, ratio=0.1, window=10.0))
    for when in (100.0, 106.0, 112.0, 118.0):
        breaker.failed(breaker.admit(when), when)
    assert breaker.state == breakers.CLOSED


async def test_an_open_breaker_fails_fast_with_its_own_code_and_sends_nothing() -> None:
    client, made = scripted({URLS[0]: lambda _r: BAD}, urls=URLS[:1], retry=RetryConfig(max_retries=0),
                            breaker=BreakerConfig(failures=5, ratio=0.5, open_for=60.0))
    results = [await query(client) for _ in range(20)]
    assert results == [SUBREQUEST_HTTP_ERROR] * 5 + [SUBREQUEST_CIRCUIT_OPEN] * 15
    assert calls(made, URLS[:1]) == [5]
    assert client.breaker_state("P") == breakers.OPEN


async def test_one_dead_replica_among_live_ones_never_opens_the_breaker() -> None:
    client, made = scripted({URLS[0]: lambda _r: ConnectFailed("refused")}, urls=URLS[:2],
                            breaker=BreakerConfig(failures=2, ratio=0.1),
                            ejection=EjectionConfig(enabled=False))
    assert [await query(client) for _ in range(20)] == [{"data": {"ok": True}}] * 20
    assert client.breaker_state("P") == breakers.CLOSED
    assert calls(made, URLS[:2]) == [10, 20]
