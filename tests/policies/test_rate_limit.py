"""Rate limits: the token bucket, the in-memory and Redis stores, client keys, configuration."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator, Iterator

import pytest

from federation.config import RateLimitConfig
from federation.errors import RATE_LIMITED, ConfigError, RequestError
from federation.pipeline.rate_limit import rate_limit
from federation.pipeline.state import Policies, PolicyServices
from federation.policies.config import policies_config_from_dict
from federation.policies.rate_limit import MemoryBuckets, RateLimiter, RedisBuckets, TokenBucket
from federation.request import RequestContext
from tests.policies.redis_helpers import REDIS_URL, unique_prefix
from tests.policies.schemas import SCHEMA, SDL


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_full_bucket_admits_the_burst_then_refuses() -> None:
    bucket = TokenBucket(3.0, 0.0)
    assert [bucket.take(2.0, 3, 0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take(2.0, 3, 0.0) == pytest.approx(0.5)  # one token at 2/s is half a second away


def test_the_bucket_refills_at_the_rate_and_never_above_the_burst() -> None:
    bucket = TokenBucket(0.0, 0.0)
    assert bucket.take(4.0, 2, 0.0) == pytest.approx(0.25)
    assert bucket.take(4.0, 2, 0.25) == 0.0  # a quarter second gave exactly one token
    assert bucket.take(4.0, 2, 0.25) == pytest.approx(0.25)
    bucket.take(4.0, 2, 100.0)  # a long pause refills to the burst, not to 400
    assert bucket.tokens == pytest.approx(1.0)
    assert bucket.take(4.0, 2, 100.0) == 0.0
    assert bucket.take(4.0, 2, 100.0) > 0


def test_a_clock_going_backwards_gives_no_tokens() -> None:
    bucket = TokenBucket(0.0, 10.0)
    assert bucket.take(1.0, 5, 5.0) == pytest.approx(1.0)
    assert bucket.take(1.0, 5, 10.5) == pytest.approx(0.5)


async def test_memory_buckets_are_per_key_and_bounded() -> None:
    clock = Clock()
    store = MemoryBuckets(1.0, 2, max_clients=3, clock=clock)
    assert [await store.take("a") for _ in range(3)] == [0.0, 0.0, 1.0]
    assert await store.take("b") == 0.0  # another client has its own bucket
    for key in ("c", "d", "e"):
        await store.take(key)
    assert len(store) == 3
    assert await store.take("a") == 0.0  # forgotten (least recently seen): back with a full bucket
    clock.now += 0.5
    assert await store.take("e") == 0.0
    assert await store.take("e") == pytest.approx(0.5)


def limiter(key: str) -> RateLimiter:
    config = RateLimitConfig(enabled=True, key=key)
    return RateLimiter(config, MemoryBuckets(config.requests_per_second, config.burst, 10))


def test_client_keys_follow_the_configured_source_and_are_hashed() -> None:
    by_ip = limiter("ip")
    a = RequestContext(headers={"x-api-key": "secret-1"}, client_address="10.0.0.1")
    b = RequestContext(headers={"x-api-key": "secret-2"}, client_address="10.0.0.1")
    assert by_ip.client_key(a) == by_ip.client_key(b)
    assert by_ip.client_key(a) != by_ip.client_key(RequestContext(client_address="10.0.0.2"))

    by_header = limiter("header:X-Api-Key")
    assert by_header.client_key(a) != by_header.client_key(b)
    assert "secret" not in by_header.client_key(a) and len(by_header.client_key(a)) == 32
    # Without the header the address counts, the same as a keyless limiter would count it.
    assert by_header.client_key(RequestContext(client_address="10.0.0.1")) == by_ip.client_key(a)

    by_claim = limiter("claim:sub")
    alice = RequestContext(claims={"sub": "alice"}, client_address="10.0.0.1")
    assert by_claim.client_key(alice) != by_claim.client_key(RequestContext(claims={"sub": "bob"}))
    assert by_claim.client_key(alice) == by_claim.client_key(RequestContext(claims={"sub": "alice"}))
    assert by_claim.client_key(RequestContext(client_address="10.0.0.1")) == by_ip.client_key(a)
    numeric = limiter("claim:uid")
    seven, eight = RequestContext(claims={"uid": 7}), RequestContext(claims={"uid": 8})
    assert numeric.client_key(seven) != numeric.client_key(eight)


@pytest.mark.parametrize("key", ["", "cookie:x", "header:", "claim: ", "IP"])
def test_a_bad_key_is_a_config_error(key: str) -> None:
    with pytest.raises(ConfigError) as info:
        policies_config_from_dict({"rate_limit": {"key": key}})
    assert info.value.key == "policies.rate_limit.key"


@pytest.mark.parametrize(("name", "value"), [("requests_per_second", 0), ("burst", 0), ("max_clients", 0)])
def test_rates_and_sizes_must_be_positive(name: str, value: int) -> None:
    with pytest.raises(ConfigError) as info:
        policies_config_from_dict({"rate_limit": {name: value}})
    assert info.value.key == f"policies.rate_limit.{name}"


def test_off_by_default() -> None:
    assert RateLimiter.from_config(RateLimitConfig()) is None
    assert PolicyServices(None).rate_limiter is None


async def test_the_stage_refuses_with_429_and_a_whole_retry_after() -> None:
    services = PolicyServices({"rate_limit": {"enabled": True, "requests_per_second": 0.4, "burst": 1}})
    policies = Policies(services, SDL, SCHEMA)
    context = RequestContext(client_address="10.1.1.1")
    await rate_limit(policies, context)
    with pytest.raises(RequestError) as info:
        await rate_limit(policies, context)
    assert info.value.code == RATE_LIMITED and info.value.status == 429
    # 2.5 s until the next token at 0.4/s, rounded up: a client waiting that long is admitted.
    assert info.value.headers == {"Retry-After": "3"}
    await rate_limit(policies, RequestContext(client_address="10.1.1.2"))
    await services.aclose()


# -- Redis --------------------------------------------------------------------------------------

@pytest.fixture
def redis_prefix() -> Iterator[str]:
    yield from unique_prefix()


@pytest.fixture
async def redis_store(redis_prefix: str) -> AsyncIterator[RedisBuckets]:
    store = RedisBuckets(REDIS_URL, 2.0, 3, redis_prefix)
    yield store
    await store.aclose()


async def test_redis_buckets_admit_the_burst_then_report_the_wait(redis_store: RedisBuckets) -> None:
    results = [await redis_store.take("client") for _ in range(4)]
    assert results[:3] == [0.0, 0.0, 0.0]
    assert 0.3 < results[3] <= 0.5  # at 2/s, a token is at most half a second away
    assert await redis_store.take("other") == 0.0
    assert redis_store.failures == 0


async def test_redis_buckets_are_shared_and_expire(redis_store: RedisBuckets, redis_prefix: str) -> None:
    import redis.asyncio as aioredis

    second = RedisBuckets(REDIS_URL, 2.0, 3, redis_prefix)  # another process's view of the same Redis
    try:
        assert [await redis_store.take("k"), await second.take("k"), await redis_store.take("k")] == [0.0] * 3
        assert await second.take("k") > 0
    finally:
        await second.aclose()
    client = aioredis.from_url(REDIS_URL)
    try:
        ttl_ms = await client.pttl(redis_prefix + "k")
        assert 0 < ttl_ms <= 3 / 2.0 * 1000 + 1000  # gone once the bucket would be full again
    finally:
        await client.aclose()


async def test_redis_down_fails_open_and_logs_once(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    store = RedisBuckets(f"redis://127.0.0.1:{port}/0", 1.0, 1)
    caplog.set_level(logging.WARNING, "federation.policies.rate_limit")
    try:
        assert [await store.take("k") for _ in range(5)] == [0.0] * 5
    finally:
        await store.aclose()
    assert store.failures == 1  # after a failure Redis is left alone for a while
    assert len([r for r in caplog.records if "unavailable" in r.getMessage()]) == 1
