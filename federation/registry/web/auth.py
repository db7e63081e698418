"""Signing in to the web pages: the login form posts a registry token, the registry verifies it
(``tokens.authenticate``) and keeps it in an HttpOnly, SameSite=Strict cookie (Secure over https).
Every page verifies the cookie's token again, so a revoked token is signed out at once.

CSRF: the login form is the only POST. SameSite=Strict keeps the cookie off cross-site requests,
and a POST whose Origin (or Sec-Fetch-Site) says it came from another site is refused as well.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from federation.errors import UNAUTHENTICATED, RegistryError

from ..model import TokenRecord
from ..service import Registry
from .http import Request

COOKIE = "fedreg_session"
MAX_AGE_S = 12 * 3600
# What a registry token can contain (``tokens``: prefix, hex key id, urlsafe base64 secret).
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_-]{1,200}")


def session_cookie(token: str, request: Request) -> str:
    secure = "; Secure" if request.secure else ""
    return f"{COOKIE}={token}; Path=/; Max-Age={MAX_AGE_S}; HttpOnly; SameSite=Strict{secure}"


def cleared_cookie(request: Request) -> str:
    secure = "; Secure" if request.secure else ""
    return f"{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{secure}"


def same_origin(request: Request) -> bool:
    """False when the browser says the request came from another site."""
    origin = request.headers.get("origin")
    if origin is not None and origin != request.origin:
        return False
    return request.headers.get("sec-fetch-site", "same-origin") in ("same-origin", "none")


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path on this registry, never another site."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")) or len(value) > 1000:
        return "/"
    return value if all(32 < ord(ch) < 127 for ch in value) else "/"


def login_location(request: Request) -> str:
    target = request.path + (("?" + "&".join(f"{k}={quote(v)}" for k, v in request.query.items()))
                             if request.query else "")
    return "/login" if target == "/" else f"/login?next={quote(target, safe='')}"


async def verify(registry: Registry, token: str) -> TokenRecord | None:
    """The token's record, or None when it is malformed, unknown or revoked (an unreachable
    database is not "signed out": that RegistryError goes up)."""
    token = token.strip()
    if _TOKEN_CHARS.fullmatch(token) is None:
        return None
    try:
        return await registry.principal(f"Bearer {token}")
    except RegistryError as exc:
        if exc.code == UNAUTHENTICATED:
            return None
        raise


async def signed_in(registry: Registry, request: Request) -> TokenRecord | None:
    token = request.cookies.get(COOKIE)
    return await verify(registry, token) if token else None
