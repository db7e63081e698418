"""The machine's Redis for tests: skipped when absent; each test's keys under a prefix of its own."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator

import pytest

REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def unique_prefix() -> Iterator[str]:
    """A fixture body: skips without Redis, yields a fresh key prefix and deletes its keys after."""
    if not redis_up():
        pytest.skip("no Redis on 127.0.0.1:6379")
    import redis

    prefix = f"federation-test:{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
    try:
        keys = list(client.scan_iter(match=prefix + "*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
