"""Authentication: turn the request's JWT into claims, or refuse the request.

The token is read from the configured header (``Authorization: Bearer <token>`` by default) or,
failing that, from a cookie. No token: the request is anonymous (``None`` claims) and only the
authorization directives decide what it sees. A token that does not verify -- bad signature, an
algorithm we do not accept, no key for its ``kid``, expired, not yet valid, wrong issuer or
audience, a required claim missing (``exp`` by default: without it a token never expires) -- is
refused with ``UNAUTHENTICATED`` (HTTP 401): a client that sends credentials wants to know they
failed, rather than silently getting anonymous data.
"""

from __future__ import annotations

from collections.abc import Mapping
from http.cookies import CookieError, SimpleCookie
from typing import Any

import jwt
from jwt.exceptions import InvalidSignatureError, InvalidTokenError

from federation.errors import UNAUTHENTICATED, RequestError
from federation.policies.config import AuthenticationConfig
from federation.policies.jwks import FileKeys, KeySource, UrlKeys


def key_source(config: AuthenticationConfig) -> KeySource | None:
    if config.jwks_file:
        return FileKeys(config.jwks_file)
    if config.jwks_url:
        return UrlKeys(
            config.jwks_url,
            poll_interval=config.poll_interval,
            min_refresh_interval=config.min_refresh_interval,
        )
    return None


def _unauthenticated(reason: str) -> RequestError:
    return RequestError(f"Invalid token: {reason}", UNAUTHENTICATED)


class Authenticator:
    """Verifies bearer tokens against a key source; one per gateway."""

    def __init__(self, config: AuthenticationConfig, keys: KeySource | None = None) -> None:
        self.config = config
        self.keys = keys if keys is not None else key_source(config)

    @property
    def active(self) -> bool:
        return self.keys is not None

    def token_from(self, headers: Mapping[str, str]) -> str | None:
        """The raw token, or None when the request carries none."""
        value = headers.get(self.config.header_name.lower())
        if value is not None and value.strip():
            prefix = self.config.header_prefix
            value = value.strip()
            if not prefix:
                return value
            scheme, _, token = value.partition(" ")
            if scheme.lower() != prefix.lower() or not token.strip():
                raise _unauthenticated(f"the {self.config.header_name} header must be '{prefix} <token>'")
            return token.strip()
        if self.config.cookie:
            raw = headers.get("cookie")
            if raw:
                jar: SimpleCookie = SimpleCookie()
                try:
                    jar.load(raw)
                except CookieError:
                    return None
                morsel = jar.get(self.config.cookie)
                if morsel is not None and morsel.value:
                    return morsel.value
        return None

    async def authenticate(self, headers: Mapping[str, str]) -> dict[str, Any] | None:
        """Verified claims, None for an anonymous request; raises ``RequestError`` (401) otherwise."""
        if self.keys is None:
            return None
        token = self.token_from(headers)
        if token is None:
            return None
        return await self.verify(token)

    async def verify(self, token: str) -> dict[str, Any]:
        assert self.keys is not None
        try:
            header = jwt.get_unverified_header(token)
        except InvalidTokenError as exc:
            raise _unauthenticated("not a JWT") from exc
        algorithm = header.get("alg")
        if not isinstance(algorithm, str) or algorithm not in self.config.algorithms:
            raise _unauthenticated(f"algorithm {algorithm!r} is not accepted")
        kid = header.get("kid")
        keys = await self.keys.keys_for(kid if isinstance(kid, str) else None, algorithm)
        if not keys:
            raise _unauthenticated("no key to verify it" + (f" (kid {kid!r})" if kid else ""))
        config = self.config
        for key in keys:
            try:
                claims: dict[str, Any] = jwt.decode(
                    token,
                    key.key,
                    algorithms=[algorithm],
                    audience=list(config.audiences) or None,
                    issuer=list(config.issuers) or None,
                    leeway=config.leeway,
                    # Presence only; PyJWT still checks the values of exp, nbf and iat it finds.
                    options={"verify_aud": bool(config.audiences), "require": list(config.required_claims)},
                )
                return claims
            except InvalidSignatureError:
                continue  # kid-less tokens are tried against every key of the right type
            except InvalidTokenError as exc:
                raise _unauthenticated(str(exc) or type(exc).__name__) from exc
        raise _unauthenticated("signature verification failed")

    async def start(self) -> None:
        if self.keys is not None:
            await self.keys.start()

    async def aclose(self) -> None:
        if self.keys is not None:
            await self.keys.aclose()
