"""HSTS as an ASGI wrapper: the header on HTTPS answers only, the app itself when it is off."""

from __future__ import annotations

from typing import Any

import pytest

from federation.config import HstsConfig
from federation.tls import with_hsts


async def app(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"ok"})


async def headers_of(scheme: str, config: HstsConfig | None) -> list[tuple[bytes, bytes]]:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    await with_hsts(app, config)({"type": "http", "scheme": scheme, "path": "/"}, receive, send)
    assert sent[1] == {"type": "http.response.body", "body": b"ok"}
    return list(sent[0]["headers"])


@pytest.mark.parametrize(("config", "value"), [
    (HstsConfig(), b"max-age=31536000"),
    (HstsConfig(max_age=0), b"max-age=0"),
    (HstsConfig(include_subdomains=True, preload=True), b"max-age=31536000; includeSubDomains; preload"),
])
async def test_https_answers_carry_the_header(config: HstsConfig, value: bytes) -> None:
    assert await headers_of("https", config) == [(b"content-type", b"text/plain"),
                                                 (b"strict-transport-security", value)]


async def test_plain_http_answers_never_do() -> None:
    assert await headers_of("http", HstsConfig()) == [(b"content-type", b"text/plain")]


def test_off_is_the_app_itself() -> None:
    assert with_hsts(app, None) is app
