"""Persisted queries: find the document text a request stands for.

Two mechanisms, both keyed by ``extensions.persistedQuery.sha256Hash``:

- a trusted-documents manifest (Apollo's persisted query manifest, ``{"format":
  "apollo-persisted-query-manifest", "version": 1, "operations": [{"id", "name", "type", "body"}]}``):
  an id found there gives its body. With ``safelist`` any document text not in the manifest is
  refused (``PERSISTED_QUERY_NOT_IN_LIST``); with ``require_id`` any text at all is refused;
- automatic persisted queries (APQ): a hash alone is looked up in a store; a miss answers
  ``PERSISTED_QUERY_NOT_FOUND`` and the client resends hash and text, which we check and store.

The store is an in-memory LRU, or Redis (``redis_url``) shared by every gateway process. A Redis
failure counts as a miss (the client then sends the text), never as a failed request.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from pathlib import Path
from typing import Any, Protocol

from graphql import GraphQLError, parse, print_ast

from federation.errors import (
    BAD_REQUEST,
    PERSISTED_QUERY_HASH_MISMATCH,
    PERSISTED_QUERY_ID_REQUIRED,
    PERSISTED_QUERY_NOT_FOUND,
    PERSISTED_QUERY_NOT_IN_LIST,
    PERSISTED_QUERY_NOT_SUPPORTED,
    RequestError,
)
from federation.lru import LRU
from federation.policies.config import PersistedQueriesConfig
from federation.request import GraphQLRequest

log = logging.getLogger("federation.policies.persisted")

MANIFEST_FORMAT = "apollo-persisted-query-manifest"


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class APQStore(Protocol):
    async def get(self, key: str) -> str | None: ...
    async def set(self, key: str, query: str) -> None: ...
    async def aclose(self) -> None: ...


class LRUStore:
    """The default APQ store: the most recently used ``max_entries`` documents, per process."""

    def __init__(self, max_entries: int = 1000) -> None:
        self._entries: LRU[str, str] = LRU(max_entries)

    @property
    def max_entries(self) -> int:
        return self._entries.max_entries

    async def get(self, key: str) -> str | None:
        return self._entries.get(key)

    async def set(self, key: str, query: str) -> None:
        self._entries.put(key, query)

    async def aclose(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class RedisStore:
    """APQ documents in Redis under ``<prefix><sha256>``, with a TTL; errors read as misses."""

    def __init__(self, url: str, ttl: float | None = 86400.0, prefix: str = "federation:apq:") -> None:
        import redis.asyncio as aioredis  # optional dependency, only needed when configured

        self._client: Any = aioredis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self.ttl = int(ttl) if ttl else None
        self.prefix = prefix

    async def get(self, key: str) -> str | None:
        try:
            value = await self._client.get(self.prefix + key)
        except Exception as exc:  # a store outage must not fail requests: the client resends the text
            log.warning("APQ redis get failed: %s", exc)
            return None
        if value is None:
            return None
        return value.decode("utf-8") if isinstance(value, bytes) else str(value)

    async def set(self, key: str, query: str) -> None:
        try:
            await self._client.set(self.prefix + key, query.encode("utf-8"), ex=self.ttl)
        except Exception as exc:
            log.warning("APQ redis set failed: %s", exc)

    async def aclose(self) -> None:
        # Closing a broken connection is not worth an error.
        with contextlib.suppress(Exception):
            await self._client.aclose()


class Manifest:
    """Trusted documents: ids to bodies, and the set of bodies (normalised) for safelisting."""

    def __init__(self, operations: dict[str, str]) -> None:
        self.by_id = dict(operations)
        self.bodies = set(operations.values())
        self.normalised = {n for n in (_normalise(b) for b in self.bodies) if n is not None}

    @classmethod
    def load(cls, path: str | Path) -> Manifest:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls.from_json(data)

    @classmethod
    def from_json(cls, data: Any) -> Manifest:
        if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
            raise ValueError(f"not a persisted query manifest (format must be {MANIFEST_FORMAT!r})")
        if data.get("version") != 1:
            raise ValueError("persisted query manifest: only version 1 is supported")
        operations: dict[str, str] = {}
        for entry in data.get("operations") or ():
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                raise ValueError("persisted query manifest: every operation needs an id")
            if not isinstance(entry.get("body"), str):
                raise ValueError(f"persisted query manifest: operation {entry['id']} has no body")
            operations[entry["id"]] = entry["body"]
        return cls(operations)

    def allows(self, query: str) -> bool:
        if query in self.bodies:
            return True
        normalised = _normalise(query)
        return normalised is not None and normalised in self.normalised


def _normalise(query: str) -> str | None:
    """Whitespace and comments do not make a different document."""
    try:
        return print_ast(parse(query, no_location=True))
    except (GraphQLError, RecursionError):
        return None


def _persisted_hash(request: GraphQLRequest) -> str | None:
    extensions = request.extensions
    if not isinstance(extensions, dict):
        return None
    persisted = extensions.get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict):
        raise RequestError("extensions.persistedQuery must be an object.", BAD_REQUEST)
    if persisted.get("version", 1) != 1:
        raise RequestError("Unsupported persisted query version.", BAD_REQUEST)
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str) or not digest:
        raise RequestError("extensions.persistedQuery.sha256Hash must be a string.", BAD_REQUEST)
    return digest


class PersistedQueries:
    """The persisted-queries stage: ``await resolve(request)`` gives the document text to run."""

    def __init__(
        self, config: PersistedQueriesConfig, store: APQStore | None = None, manifest: Manifest | None = None
    ) -> None:
        self.config = config
        if manifest is None and config.manifest:
            manifest = Manifest.load(config.manifest)
        self.manifest = manifest
        if store is None and config.apq:
            store = (
                RedisStore(config.redis_url, config.redis_ttl) if config.redis_url else LRUStore(config.apq_cache_size)
            )
        self.store = store

    @property
    def active(self) -> bool:
        return self.store is not None or self.manifest is not None

    async def resolve(self, request: GraphQLRequest) -> str:
        digest = _persisted_hash(request)
        query = request.query
        if digest is not None and self.manifest is not None and query is None:
            body = self.manifest.by_id.get(digest)
            if body is not None:
                return body
        if query is not None:
            self._check_listed(query, digest)
        if digest is None:
            if query is None:
                raise RequestError("The request has no query.", BAD_REQUEST)
            return query
        if self.store is None:
            if self.manifest is not None:
                raise RequestError("PersistedQueryNotFound", PERSISTED_QUERY_NOT_FOUND)
            raise RequestError("PersistedQueryNotSupported", PERSISTED_QUERY_NOT_SUPPORTED)
        if query is None:
            stored = await self.store.get(digest)
            if stored is None:
                raise RequestError("PersistedQueryNotFound", PERSISTED_QUERY_NOT_FOUND)
            # A shared (Redis) store may hold documents another gateway's config let in.
            self._check_listed(stored, digest)
            return stored
        if sha256_hex(query) != digest.lower():
            raise RequestError("provided sha does not match query", PERSISTED_QUERY_HASH_MISMATCH)
        await self.store.set(digest.lower(), query)
        return query

    def _check_listed(self, query: str, digest: str | None) -> None:
        if self.manifest is None:
            return
        if self.config.require_id:
            raise RequestError("This gateway only runs operations by their manifest id.", PERSISTED_QUERY_ID_REQUIRED)
        if self.config.safelist and not self.manifest.allows(query):
            raise RequestError("The operation is not in the persisted query list.", PERSISTED_QUERY_NOT_IN_LIST)

    async def aclose(self) -> None:
        if self.store is not None:
            await self.store.aclose()
