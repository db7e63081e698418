"""The supergraph from a schema registry, polled as Apollo Router polls Apollo Uplink.

The protocol (the registry implements it)::

    GET {url}/v1/graphs/{graph}/variants/{variant}/supergraph[?since=<version id>]
    Authorization: Bearer <token>

    200 {"status": "updated", "id": "...", "supergraph_sdl": "...", "min_delay_seconds": 1.0}
    200 {"status": "unchanged", "id": "...", "min_delay_seconds": 1.0}
    4xx/5xx {"status": "error", "code": "UNAUTHENTICATED", "message": "...", "min_delay_seconds": 5.0}

Version ids are opaque. The poller asks with the id in service, waits max(poll_interval,
min_delay_seconds) between polls (a little jitter, so a fleet does not poll in step; doubling after
errors up to ``BACKOFF_MAX_S``), and hands an update to the reload path files use
(:func:`federation.hot_reload.build_and_apply`: built off the loop, swapped without dropping a
request). A supergraph that does not build is logged once and its id skipped until the registry
offers another one; whatever goes wrong, the supergraph in service stays.

The last good supergraph is kept in a cache file (its version id on the first line, a comment, so
the file is also a supergraph ``federation serve --supergraph`` can serve), written atomically.
At start-up the registry is asked first; when it cannot give a supergraph that builds, the cache
file is served and polling goes on. With no cache file, start-up keeps trying for
``startup_wait`` seconds (the registry may be starting alongside) and then fails, naming the URL.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx
import orjson

from federation.background import Every
from federation.config import RegistryConfig
from federation.errors import ConfigError, RegistryPollError
from federation.hot_reload import build_and_apply
from federation.observability.metrics import Labels, Metrics
from federation.tls import watched_client_context

log = logging.getLogger("federation.registry_source")

BACKOFF_MAX_S = 30.0
JITTER = 0.1  # up to 10% added to each wait (never taken off: min_delay_seconds is a floor)
# While the registry keeps failing the same way, one log line per this many seconds.
ERROR_LOG_EVERY_S = 60.0
# Refusals that a retry will not cure: start-up fails at once rather than waiting for them.
_DEFINITIVE = frozenset({"UNAUTHENTICATED", "FORBIDDEN", "GRAPH_NOT_FOUND", "BAD_REQUEST"})
# Registry codes counted under their own label; any other is counted as OTHER (labels stay bounded).
_KNOWN_CODES = _DEFINITIVE | {"NO_SUPERGRAPH", "REGISTRY_UNAVAILABLE"}
_CACHE_HEADER = "# federation registry cache: "
_MESSAGE_MAX = 200

T = TypeVar("T")
State = TypeVar("State")


@dataclass(frozen=True)
class Poll:
    """A successful answer: ``sdl`` is None when the version asked with is still the latest."""

    id: str
    sdl: str | None
    min_delay: float


def supergraph_url(config: RegistryConfig) -> str:
    graph, variant = config.graph_ref
    return f"{config.url.rstrip('/')}/v1/graphs/{quote(graph, safe='')}/variants/{quote(variant, safe='')}/supergraph"


def read_token(config: RegistryConfig) -> str | None:
    """The token: given inline (or by FEDERATION_REGISTRY_TOKEN), or the first line of token_file."""
    if config.token_file is None:
        return config.token
    try:
        lines = Path(config.token_file).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read {config.token_file}: {exc.strerror or exc}",
                          "supergraph.registry.token_file") from exc
    return lines[0].strip() if lines else None


def default_cache_file(config: RegistryConfig) -> Path:
    if config.cache_file:
        return Path(config.cache_file)
    graph, variant = config.graph_ref
    return Path(".federation") / f"registry-{graph}-{variant}.graphql"


class RegistryClient:
    """One poll at a time over a kept-alive httpx client; every failure is a RegistryPollError."""

    def __init__(self, config: RegistryConfig, token: str | None) -> None:
        self.config = config
        self.url = supergraph_url(config)
        headers = {"accept": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        # No proxies from the environment and no redirects: the token goes to this URL only.
        self._client = httpx.AsyncClient(timeout=config.timeout, headers=headers, trust_env=False,
                                         follow_redirects=False, verify=watched_client_context(config.ca_file).current)

    async def poll(self, since: str | None) -> Poll:
        try:
            # The whole exchange within the timeout: httpx's own is per read, and a registry
            # dripping bytes would otherwise hold a poll forever.
            async with asyncio.timeout(self.config.timeout):
                status, body = await self._get({"since": since} if since is not None else {})
        except TimeoutError:
            raise RegistryPollError(f"no answer within {self.config.timeout:g} s", "unreachable") from None
        except httpx.HTTPError as exc:
            raise RegistryPollError(f"cannot reach it: {type(exc).__name__}: {exc}", "unreachable") from None
        return _parse(status, body)

    async def _get(self, params: dict[str, str]) -> tuple[int, bytes]:
        limit = self.config.max_response_bytes
        async with self._client.stream("GET", self.url, params=params) as response:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > limit:
                raise RegistryPollError(f"answer of {declared} bytes, more than max_response_bytes", "garbage")
            chunks: list[bytes] = []
            size = 0
            # Decoded bytes, counted as they arrive: a compressed answer is capped by what it unpacks to.
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise RegistryPollError(f"answer larger than max_response_bytes ({limit})", "garbage")
                chunks.append(chunk)
            return response.status_code, b"".join(chunks)

    async def aclose(self) -> None:
        await self._client.aclose()


def _parse(status: int, body: bytes) -> Poll:
    try:
        answer = orjson.loads(body)
    except orjson.JSONDecodeError:
        answer = None
    if not isinstance(answer, dict):
        raise RegistryPollError(f"HTTP {status}, not a registry answer ({_snippet(body)})", "garbage")
    min_delay = answer.get("min_delay_seconds", 0.0)
    if isinstance(min_delay, bool) or not isinstance(min_delay, int | float) or not 0 <= min_delay < 86400:
        min_delay = 0.0
    if status != 200 or answer.get("status") == "error":
        code = answer.get("code")
        if answer.get("status") != "error" or not isinstance(code, str):
            raise RegistryPollError(f"HTTP {status}, not a registry answer ({_snippet(body)})", "garbage",
                                    min_delay=float(min_delay))
        message = str(answer.get("message", ""))[:_MESSAGE_MAX]
        raise RegistryPollError(f"HTTP {status} {code}: {message}", "error", registry_code=code,
                                min_delay=float(min_delay))
    version, kind = answer.get("id"), answer.get("status")
    if not isinstance(version, str) or not version:
        raise RegistryPollError("an answer without a version id", "garbage", min_delay=float(min_delay))
    if kind == "unchanged":
        return Poll(version, None, float(min_delay))
    sdl = answer.get("supergraph_sdl")
    if kind != "updated" or not isinstance(sdl, str):
        raise RegistryPollError(f"an answer of unknown status {kind!r}", "garbage", min_delay=float(min_delay))
    return Poll(version, sdl, float(min_delay))


def _snippet(body: bytes) -> str:
    text = body[:60].decode("utf-8", "replace")
    return repr(text) if body else "empty body"


# -- the cache file -------------------------------------------------------------------------------

def read_cache(path: Path, graph: str) -> tuple[str, str] | None:
    """(version id, SDL) of the last good supergraph of ``graph``, or None (no file, another graph's,
    unreadable)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("registry cache %s not readable: %s", path, exc.strerror or exc)
        return None
    first, _, sdl = text.partition("\n")
    try:
        meta = orjson.loads(first.removeprefix(_CACHE_HEADER)) if first.startswith(_CACHE_HEADER) else None
    except orjson.JSONDecodeError:
        meta = None
    if not isinstance(meta, dict) or not isinstance(meta.get("id"), str):
        log.warning("registry cache %s has no version header; not used", path)
        return None
    if meta.get("graph") != graph:
        log.warning("registry cache %s holds %r, not %r; not used", path, meta.get("graph"), graph)
        return None
    return str(meta["id"]), sdl


def write_cache(path: Path, graph: str, version: str, sdl: str) -> None:
    """Replaces the file whole (a crash leaves the old one or the new one, never half of either)."""
    header = _CACHE_HEADER + orjson.dumps({"graph": graph, "id": version}).decode()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(f"{header}\n{sdl}")
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, path)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    except OSError as exc:
        log.warning("registry cache %s not written: %s", path, exc.strerror or exc)


# -- start-up -------------------------------------------------------------------------------------

@dataclass
class Started(Generic[T]):
    served: T  # what ``make`` built
    version: str
    origin: str  # "registry" or "cache"
    rejected: str | None  # a version the registry offered that did not build
    outcomes: list[Labels]  # of the polls at start-up, counted once the gateway's metrics exist


def start_from_registry(config: RegistryConfig, make: Callable[[str], T]) -> Started[T]:
    """The first supergraph: from the registry, else from the cache file; raises (naming the URL) when
    neither gives one that ``make`` builds. Blocking: it runs before the server's event loop."""
    config.complete()
    token = read_token(config)
    cache_path = default_cache_file(config)
    cached = read_cache(cache_path, config.graph)
    deadline = time.monotonic() + (0.0 if cached else config.startup_wait)
    rejected: str | None = None
    problem = ""
    outcomes: list[Labels] = []
    while True:
        try:
            poll = _blocking(_poll_once(config, token))
        except RegistryPollError as exc:
            problem = str(exc)
            outcomes.append(_outcome_labels(exc))
            _log_failure(exc, config.url, "at start-up")
            remaining = deadline - time.monotonic()
            if exc.registry_code in _DEFINITIVE or remaining <= 0:
                break
            time.sleep(min(max(exc.min_delay, 0.5), remaining))
            continue
        assert poll.sdl is not None  # asked without a version id: the answer is always "updated"
        try:
            served = make(poll.sdl)
        except Exception as exc:  # a supergraph that does not build
            rejected, problem = poll.id, f"version {poll.id} cannot be served: {exc}"
            outcomes.append((("outcome", "rejected"),))
            log.error("registry %s: %s", config.url, problem)
            break
        outcomes.append((("outcome", "updated"),))
        if cached != (poll.id, poll.sdl):
            write_cache(cache_path, config.graph, poll.id, poll.sdl)
        log.info("supergraph version %s from registry %s", poll.id, config.url)
        return Started(served, poll.id, "registry", None, outcomes)
    if cached is not None:
        version, sdl = cached
        served = make(sdl)  # it built when it was written; if not, its error is the one to report
        log.warning("registry %s gave no supergraph; serving version %s from cache file %s, polling on",
                    config.url, version, cache_path)
        return Started(served, version, "cache", rejected, outcomes)
    raise RegistryPollError(f"no supergraph from registry {config.url} ({problem}) and no cache file "
                            f"{cache_path} to start from", "unreachable")


async def _poll_once(config: RegistryConfig, token: str | None) -> Poll:
    client = RegistryClient(config, token)
    try:
        return await client.poll(None)
    finally:
        await client.aclose()


def _blocking(coroutine: Coroutine[Any, Any, T]) -> T:
    """Runs ``coroutine`` to its end on a loop of its own, in a thread: the caller may be running in an
    event loop already (uvicorn calls a worker's app factory from its loop)."""
    result: list[T] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(asyncio.run(coroutine))
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=run, name="registry-start")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]


# -- polling while serving ------------------------------------------------------------------------

def _outcome_labels(exc: RegistryPollError) -> Labels:
    if exc.outcome != "error":
        return (("outcome", exc.outcome),)
    code = exc.registry_code if exc.registry_code in _KNOWN_CODES else "OTHER"
    return (("outcome", "error"), ("code", code))


def _log_failure(exc: RegistryPollError, url: str, when: str) -> None:
    if exc.registry_code in ("UNAUTHENTICATED", "FORBIDDEN"):
        log.error("registry %s refused the token (%s) %s: check supergraph.registry.token", url, exc, when)
    else:
        log.warning("registry %s %s: %s", url, when, exc)


class RegistryPoller(Generic[State]):
    """Polls while the server runs; ``build`` and ``apply`` are the gateway's (as for file reloads)."""

    def __init__(self, config: RegistryConfig, started: Started[Any], *, build: Callable[[str], State],
                 apply: Callable[[State], None], metrics: Metrics) -> None:
        self.config = config
        self.version = started.version
        self.rejected = started.rejected
        self.build = build
        self.apply = apply
        self.metrics = metrics
        self.cache_path = default_cache_file(config)
        self._token = read_token(config)
        self._client: RegistryClient | None = None
        self._min_delay = 0.0
        self._failures = 0
        self._failure_key = ""
        self._failure_logged = 0.0
        self._suppressed = 0
        self._polling = Every(self.next_delay, self.poll, "registry-poller")
        for labels in started.outcomes:
            metrics.registry_polls.inc(labels)
        metrics.registry_version.replace(1, (("id", self.version), ("origin", started.origin)))
        metrics.registry_age.replace(time.time())
        if started.origin == "registry":
            metrics.registry_last_success.replace(time.time())

    def next_delay(self) -> float:
        """Seconds before the next poll: the registry's floor respected, doubled per failure in a row."""
        base = max(self.config.poll_interval, self._min_delay)
        if self._failures:
            base = max(min(base * 2 ** self._failures, BACKOFF_MAX_S), self._min_delay)
        return base * (1 + random.uniform(0, JITTER))

    async def start(self) -> None:
        self._client = RegistryClient(self.config, self._token)
        self._polling.start()

    async def stop(self) -> None:
        await self._polling.stop()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def poll(self) -> str:
        """One poll; returns its outcome (as counted in federation_registry_polls_total)."""
        assert self._client is not None, "start() first"
        try:
            answer = await self._client.poll(self.version)
        except Exception as unexpected:
            # Whatever it was, polling goes on (an exception here would end the Every task for good).
            exc = unexpected if isinstance(unexpected, RegistryPollError) else RegistryPollError(
                f"{type(unexpected).__name__}: {unexpected}", "garbage")
            self._min_delay = exc.min_delay
            self._failed(exc)
            self.metrics.registry_polls.inc(_outcome_labels(exc))
            return exc.outcome
        self._min_delay = answer.min_delay
        self._recovered()
        self.metrics.registry_last_success.replace(time.time())
        outcome = await self._take(answer)
        self.metrics.registry_polls.inc((("outcome", outcome),))
        return outcome

    async def _take(self, answer: Poll) -> str:
        if answer.sdl is None or answer.id == self.version:
            return "unchanged"
        if answer.id == self.rejected:
            return "rejected"  # logged when it first came; the registry has nothing newer
        sdl = answer.sdl
        try:
            await build_and_apply(lambda: sdl, self.build, self.apply)
        except Exception as exc:
            self.rejected = answer.id
            log.error("registry version %s cannot be served, keeping version %s: %s", answer.id, self.version, exc)
            return "rejected"
        previous, self.version = self.version, answer.id
        self.metrics.registry_version.replace(1, (("id", answer.id), ("origin", "registry")))
        self.metrics.registry_age.replace(time.time())
        log.info("supergraph version %s from registry in service (was %s)", answer.id, previous)
        await asyncio.to_thread(write_cache, self.cache_path, self.config.graph, answer.id, sdl)
        return "updated"

    def _failed(self, exc: RegistryPollError) -> None:
        """Logs the first failure of a kind at once, then one line a minute while it lasts."""
        self._failures += 1
        key = exc.registry_code or exc.outcome
        now = time.monotonic()
        if key != self._failure_key or now - self._failure_logged >= ERROR_LOG_EVERY_S:
            also = f" ({self._suppressed} more failed polls not logged)" if self._suppressed else ""
            _log_failure(exc, self.config.url, f"(poll {self._failures} failing; serving version {self.version})"
                         + also)
            self._failure_key, self._failure_logged, self._suppressed = key, now, 0
        else:
            self._suppressed += 1

    def _recovered(self) -> None:
        if self._failures:
            log.info("registry %s answers again after %d failed polls", self.config.url, self._failures)
        self._failures, self._failure_key, self._suppressed = 0, "", 0
