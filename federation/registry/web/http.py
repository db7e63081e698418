"""Plain ASGI plumbing for the web pages: the request as read from the scope, the response to send,
cookies and forms. No framework: the registry's app already routes raw ASGI."""

from __future__ import annotations

from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs

from federation.errors import RequestError
from federation.http.params import ClientDisconnected, read_body
from federation.http.types import Message, Receive, Scope, Send

__all__ = ["Message", "Receive", "Request", "Response", "Scope", "Send", "parse_cookies", "read_form"]

# Pages load only what the registry itself serves: no inline script, nothing from elsewhere.
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", b"default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; "
                                 b"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names; a repeated header keeps its last value
    cookies: dict[str, str]
    scheme: str

    @classmethod
    def from_scope(cls, scope: Scope) -> Request:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        raw_query = scope.get("query_string", b"").decode("latin-1")
        query = {k: v[-1] for k, v in parse_qs(raw_query, keep_blank_values=True).items()}
        return cls(scope.get("method", "GET"), scope.get("path", "/"), query, headers,
                   parse_cookies(headers.get("cookie", "")), str(scope.get("scheme", "http")))

    @property
    def secure(self) -> bool:
        """Served over https (directly, or behind a proxy that says so)."""
        return self.scheme == "https" or self.headers.get("x-forwarded-proto", "").lower() == "https"

    @property
    def origin(self) -> str:
        """This registry's own origin as the browser addressed it."""
        return f"{'https' if self.secure else 'http'}://{self.headers.get('host', '')}"


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    cache: str = "no-store"

    @classmethod
    def redirect(cls, location: str, *, status: int = 303) -> Response:
        return cls(status, b"", headers=[("location", location)])

    async def send(self, send: Send, *, head_only: bool = False) -> None:
        headers = [
            (b"content-type", self.content_type.encode()),
            (b"content-length", str(len(self.body)).encode()),
            (b"cache-control", self.cache.encode()),
            *SECURITY_HEADERS,
            *((k.encode("latin-1"), v.encode("latin-1")) for k, v in self.headers),
        ]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head_only else self.body})


def parse_cookies(header: str) -> dict[str, str]:
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(header)
    except CookieError:
        return {}
    return {name: morsel.value for name, morsel in cookies.items()}


async def read_form(receive: Receive, limit: int) -> dict[str, str] | None:
    """An ``application/x-www-form-urlencoded`` body as a dict, or None past ``limit`` bytes."""
    try:
        body = await read_body(receive, None, limit)  # the gateway's reader
    except RequestError:
        return None
    except ClientDisconnected:
        return {}
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return {}
    return {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}
