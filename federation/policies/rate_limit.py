"""Rate limits per client: a token bucket for each, in memory or shared through Redis.

A bucket holds at most ``burst`` tokens and gains ``rate`` tokens a second; a request takes one, and
a request that finds less than one is refused with the seconds until one will be there. So a client
may send ``burst`` requests at once and ``rate`` a second after that.

    RateLimiter.from_config(config)       -> None when rate limiting is off
    await limiter.acquire(context)        -> 0.0 (admitted) or seconds to wait (refused)

Stores:

- :class:`MemoryBuckets`: one process; the buckets of the ``max_clients`` most recently seen
  clients, in the project's LRU (a client forgotten comes back with a full bucket);
- :class:`RedisBuckets`: every gateway process using the same Redis shares each client's bucket.
  One Lua script (run by EVALSHA) reads, refills, takes and writes the bucket atomically, on the Redis
  server's clock so replicas' clocks need not agree; a key expires once its bucket would be full
  again, which is when it no longer holds anything worth knowing. When Redis fails the request is
  admitted (fail open, logged at most once per interval): losing the limit for a while is better
  than refusing every client.

Client identities are hashed before they are stored: a header such as an API key is never kept in
memory or written to Redis as it came, and every key has the same small size.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from federation.lru import LRU
from federation.policies.config import RateLimitConfig
from federation.request import RequestContext

log = logging.getLogger("federation.policies.rate_limit")

# While Redis is failing: how long requests skip it (so each does not wait for a timeout) and
# how often the failure is logged.
REDIS_RETRY_SECONDS = 5.0
REDIS_TIMEOUT_SECONDS = 0.5


@dataclass
class TokenBucket:
    """``tokens`` as of ``updated`` (seconds on the caller's monotonic clock)."""

    tokens: float
    updated: float

    def take(self, rate: float, burst: int, now: float) -> float:
        """Take one token: 0.0 if there was one, else the seconds until there will be one."""
        self.tokens = min(float(burst), self.tokens + max(0.0, now - self.updated) * rate)
        self.updated = max(self.updated, now)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / rate


class BucketStore(Protocol):
    async def take(self, key: str) -> float: ...
    async def aclose(self) -> None: ...


class MemoryBuckets:
    """Buckets of the most recently seen clients of this process."""

    def __init__(self, rate: float, burst: int, max_clients: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self._buckets: LRU[str, TokenBucket] = LRU(max_clients)

    async def take(self, key: str) -> float:
        return self.take_now(key)

    def take_now(self, key: str) -> float:
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = TokenBucket(float(self.burst), now)
            self._buckets.put(key, bucket)
        return bucket.take(self.rate, self.burst, now)

    def __len__(self) -> int:
        return len(self._buckets)

    async def aclose(self) -> None:
        self._buckets.clear()


# KEYS[1]: the bucket (a hash of tokens and ts). ARGV: rate per second, burst.
# Returns {1, 0} when a token was taken, else {0, milliseconds until one is there}. Lua numbers
# come back from Redis as integers, hence milliseconds (rounded up).
_TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = math.ceil((1 - tokens) / rate * 1000)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
if wait > 0 then
  return {0, wait}
end
return {1, 0}
"""


class RedisBuckets:
    """Buckets shared by every gateway process using this Redis; fails open."""

    def __init__(self, url: str, rate: float, burst: int, prefix: str = "federation:ratelimit:",
                 clock: Callable[[], float] = time.monotonic) -> None:
        import redis.asyncio as aioredis  # optional dependency, only needed when configured

        self._client: Any = aioredis.from_url(
            url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
        )
        # EVALSHA, loading the script again (EVAL) when the server does not know it yet.
        self._script: Any = self._client.register_script(_TAKE)
        self.rate = rate
        self.burst = burst
        self.prefix = prefix
        self.clock = clock
        self._skip_until = float("-inf")
        self._logged_at = float("-inf")
        self.failures = 0  # Redis calls that failed (requests admitted without a check)

    async def take(self, key: str) -> float:
        now = self.clock()
        if now < self._skip_until:
            return 0.0
        try:
            taken, wait_ms = await self._script(keys=[self.prefix + key], args=[repr(self.rate), self.burst])
        except Exception as exc:  # any Redis failure: admit, and leave Redis alone for a while
            self.failures += 1
            self._skip_until = now + REDIS_RETRY_SECONDS
            if now - self._logged_at >= REDIS_RETRY_SECONDS:
                self._logged_at = now
                log.warning("rate limit store unavailable, admitting requests unchecked: %s", exc)
            return 0.0
        return 0.0 if int(taken) else int(wait_ms) / 1000.0

    async def aclose(self) -> None:
        # Closing a broken connection is not worth an error.
        with contextlib.suppress(Exception):
            await self._client.aclose()


class RateLimiter:
    """Who the client is (from the configured key) and whether its bucket has a token."""

    def __init__(self, config: RateLimitConfig, store: BucketStore) -> None:
        self.config = config
        self.store = store
        kind, _, name = config.key.partition(":")
        self._kind = kind
        self._name = name.strip().lower() if kind == "header" else name.strip()

    @classmethod
    def from_config(cls, config: RateLimitConfig) -> RateLimiter | None:
        if not config.enabled:
            return None
        store: BucketStore
        if config.redis_url:
            store = RedisBuckets(config.redis_url, config.requests_per_second, config.burst, config.redis_prefix)
        else:
            store = MemoryBuckets(config.requests_per_second, config.burst, config.max_clients)
        return cls(config, store)

    def client_key(self, context: RequestContext) -> str:
        """The hashed identity the request is counted under."""
        identity = None
        if self._kind == "header":
            value = context.headers.get(self._name)
            identity = f"header:{self._name}:{value}" if value else None
        elif self._kind == "claim" and context.claims is not None:
            claim = context.claims.get(self._name)
            if claim is not None:
                # Non-string claims (numbers, lists) by their JSON text, so equal values agree.
                text = claim if isinstance(claim, str) else json.dumps(claim, sort_keys=True)
                identity = f"claim:{self._name}:{text}"
        if identity is None:
            identity = f"ip:{context.client_address or 'unknown'}"
        return hashlib.blake2b(identity.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()

    async def acquire(self, context: RequestContext) -> float:
        """0.0 when the request may go on, else the seconds until the client may try again."""
        return await self.store.take(self.client_key(context))

    async def aclose(self) -> None:
        await self.store.aclose()
