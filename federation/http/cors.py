"""CORS (a middleware around the whole app) and CSRF prevention (a check on GraphQL requests).

CSRF follows Apollo's rule: a browser sends a "simple" request (GET, or POST with no content type
or one of the three form types) without a CORS preflight, so such a request must prove it went
through one by carrying a custom header the browser would have had to preflight.
"""

from __future__ import annotations

from federation.config import CorsConfig, CsrfConfig
from federation.errors import BAD_REQUEST, CSRF_PREVENTED, RequestError
from federation.http.responses import send_bytes, send_error
from federation.http.types import ASGIApp, Headers, Message, Receive, Scope, Send, header

_SIMPLE_CONTENT_TYPES = frozenset({"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"})
_METHODS = b"GET, POST, OPTIONS"


def check_csrf(config: CsrfConfig, method: str, headers: dict[str, str]) -> None:
    """Raise CSRF_PREVENTED for a request a browser could have sent cross-site without preflight."""
    if not config.enabled or method not in ("GET", "POST", "HEAD"):
        return
    content_type = headers.get("content-type")
    if content_type is not None:
        media = content_type.split(";", 1)[0].strip().lower()
        if media not in _SIMPLE_CONTENT_TYPES:
            return  # e.g. application/json: browsers preflight it
    if any(headers.get(name, "").strip() for name in config.required_headers):
        return
    names = " or ".join(repr(n) for n in config.required_headers)
    raise RequestError(
        "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). "
        f"Send a Content-Type other than text/plain, form or multipart (e.g. application/json), "
        f"or a non-empty {names} header.",
        CSRF_PREVENTED,
    )


class CorsMiddleware:
    """Adds CORS headers for allowed origins and answers preflight requests itself."""

    def __init__(self, app: ASGIApp, config: CorsConfig) -> None:
        self.app = app
        self.config = config
        self._any = "*" in config.origins
        self._origins = frozenset(o.rstrip("/") for o in config.origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.config.origins:
            await self.app(scope, receive, send)
            return
        origin = header(scope, b"origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        preflight = scope["method"] == "OPTIONS" and header(scope, b"access-control-request-method")
        if preflight:
            await self._preflight(scope, origin, send)
            return
        if not self._allowed(origin):
            await self.app(scope, receive, send)  # no CORS headers: the browser hides the answer
            return
        extra = self._simple_headers(origin)

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_cors)

    def _allowed(self, origin: str) -> bool:
        return self._any or origin.rstrip("/") in self._origins

    def _allow_origin(self, origin: str) -> Headers:
        if self._any and not self.config.allow_credentials:
            return [(b"access-control-allow-origin", b"*")]
        out: Headers = [(b"access-control-allow-origin", origin.encode("latin-1")), (b"vary", b"Origin")]
        if self.config.allow_credentials:
            out.append((b"access-control-allow-credentials", b"true"))
        return out

    def _simple_headers(self, origin: str) -> Headers:
        out = self._allow_origin(origin)
        if self.config.expose_headers:
            out.append((b"access-control-expose-headers", ", ".join(self.config.expose_headers).encode()))
        return out

    async def _preflight(self, scope: Scope, origin: str, send: Send) -> None:
        if not self._allowed(origin):
            await send_error(send, BAD_REQUEST, "Origin not allowed by the CORS configuration.")
            return
        requested = header(scope, b"access-control-request-headers") or ""
        allow_headers = ", ".join(self.config.allow_headers) if self.config.allow_headers else requested
        headers = self._allow_origin(origin)
        headers += [
            (b"access-control-allow-methods", _METHODS),
            (b"access-control-max-age", str(self.config.max_age).encode()),
        ]
        if allow_headers:
            headers.append((b"access-control-allow-headers", allow_headers.encode("latin-1")))
        await send_bytes(send, 204, b"", b"text/plain; charset=utf-8", headers)

