"""Verification keys: a JSON Web Key Set from a file or a URL.

A URL is fetched on first use, polled every ``poll_interval`` seconds once :meth:`start` is called,
and fetched again when a token names a ``kid`` we do not have (at most once per
``min_refresh_interval``, so a stream of forged kids cannot turn the gateway into a JWKS flooder).
A file is re-read when its modification time changes. Keys we cannot use (unknown ``kty``, a
curve we lack) are skipped rather than failing the whole set.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path
from typing import Any, Protocol

import httpx
from jwt import PyJWK
from jwt.exceptions import PyJWKError

from federation.background import Every

log = logging.getLogger("federation.policies.jwks")

# The key type a JWS algorithm needs, by algorithm name prefix.
_KTY_BY_ALG = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP", "HS": "oct"}


def key_type_for(algorithm: str) -> str | None:
    return _KTY_BY_ALG.get(algorithm[:2])


def parse_jwks(data: Any) -> list[PyJWK]:
    """The usable keys of a JWKS document (``{"keys": [...]}``)."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise ValueError("a JWKS document is an object with a 'keys' list")
    keys: list[PyJWK] = []
    for entry in data["keys"]:
        if not isinstance(entry, dict):
            continue
        if entry.get("use") not in (None, "sig"):
            continue
        try:
            keys.append(PyJWK(entry))
        except (PyJWKError, ValueError, TypeError) as exc:
            log.warning("JWKS key %s skipped: %s", entry.get("kid"), exc)
    return keys


class KeySource(Protocol):
    async def keys_for(self, kid: str | None, algorithm: str) -> list[PyJWK]: ...
    async def start(self) -> None: ...
    async def aclose(self) -> None: ...


def _matching(keys: list[PyJWK], kid: str | None, algorithm: str) -> list[PyJWK]:
    """Keys that can check a token: of the algorithm's key type, declaring no other ``alg``, and
    carrying the token's ``kid`` when it names one (a kid-less token may try every such key)."""
    kty = key_type_for(algorithm)
    out = []
    for key in keys:
        if kid is not None and key.key_id != kid:
            continue
        if kty is not None and key.key_type != kty:
            continue
        declared = getattr(key, "_jwk_data", {}).get("alg")
        if declared and declared != algorithm:
            continue
        out.append(key)
    return out


class _Passive:
    """Key sources with no background work."""

    async def start(self) -> None:
        return None

    async def aclose(self) -> None:
        return None


class StaticKeys(_Passive):
    """Keys given in memory (tests, the development token helper)."""

    def __init__(self, jwks: dict[str, Any]) -> None:
        self.keys = parse_jwks(jwks)

    async def keys_for(self, kid: str | None, algorithm: str) -> list[PyJWK]:
        return _matching(self.keys, kid, algorithm)


class FileKeys(_Passive):
    """A JWKS file, re-read when it changes (checked at most once a second)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._mtime = -1.0
        self._checked = 0.0
        self.keys: list[PyJWK] = []
        self._load()

    def _load(self) -> None:
        try:
            mtime = self.path.stat().st_mtime
        except OSError as exc:
            if self._mtime < 0:
                raise ValueError(f"cannot read JWKS file {self.path}: {exc}") from exc
            return
        if mtime != self._mtime:
            self.keys = parse_jwks(json.loads(self.path.read_text(encoding="utf-8")))
            self._mtime = mtime

    async def keys_for(self, kid: str | None, algorithm: str) -> list[PyJWK]:
        now = time.monotonic()
        if now - self._checked > 1.0:
            self._checked = now
            try:
                self._load()
            except (ValueError, OSError) as exc:
                log.warning("JWKS file %s not reloaded: %s", self.path, exc)
        return _matching(self.keys, kid, algorithm)


class UrlKeys:
    """A JWKS URL: cached, refreshed on an unknown kid (rate-limited), polled in the background."""

    def __init__(
        self,
        url: str,
        *,
        poll_interval: float = 300.0,
        min_refresh_interval: float = 10.0,
        client: httpx.AsyncClient | None = None,
        timeout: float = 5.0,
    ) -> None:
        self.url = url
        self.poll_interval = poll_interval
        self.min_refresh_interval = min_refresh_interval
        self._client = client or httpx.AsyncClient(timeout=timeout)
        self._own_client = client is None
        self.keys: list[PyJWK] = []
        self._fetched_at: float | None = None
        self._lock = asyncio.Lock()
        self._poller = Every(self.poll_interval, self._poll, "jwks-poll")
        self.fetches = 0

    async def refresh(self) -> bool:
        """Fetch the set now; False (keeping the old keys) when the fetch fails."""
        self._fetched_at = time.monotonic()
        self.fetches += 1
        try:
            response = await self._client.get(self.url)
            response.raise_for_status()
            self.keys = parse_jwks(response.json())
            return True
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("JWKS %s not fetched: %s", self.url, exc)
            return False

    async def keys_for(self, kid: str | None, algorithm: str) -> list[PyJWK]:
        if self._fetched_at is None:
            async with self._lock:
                if self._fetched_at is None:
                    await self.refresh()
        found = _matching(self.keys, kid, algorithm)
        if found or kid is None:
            return found
        async with self._lock:
            found = _matching(self.keys, kid, algorithm)
            stale = self._fetched_at is None or time.monotonic() - self._fetched_at >= self.min_refresh_interval
            if not found and stale:
                await self.refresh()
                found = _matching(self.keys, kid, algorithm)
        return found

    async def _poll(self) -> None:
        async with self._lock:
            await self.refresh()

    async def start(self) -> None:
        self._poller.start()

    async def aclose(self) -> None:
        await self._poller.stop()
        if self._own_client:
            await self._client.aclose()
