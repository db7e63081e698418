"""``POST {path}/dev-token``: GraphiQL's token helper asks the gateway for a development token.

Only when ``http.graphiql_dev_token_keys`` names a development key folder (the demo's), and only for
clients on a loopback address: anyone else is told there is nothing here. The token is signed with
that key by ``federation.policies.devtoken``, as ``federation token`` signs it, so it verifies only
where that key's JWKS is trusted. The body is JSON: ``{"scopes": [...], "claims": {...}}``, both
optional; the answer is ``{"token": "..."}``.
"""

from __future__ import annotations

import asyncio
import ipaddress
from typing import Any

import orjson

from federation.errors import BAD_REQUEST, METHOD_NOT_ALLOWED, RequestError
from federation.http.params import ClientDisconnected, check_json_content_type, read_body
from federation.http.responses import send_bytes, send_error, send_json
from federation.http.types import Receive, Scope, Send, header
from federation.policies import devtoken

# A few scopes and claims fit in far less; anything larger is not a token request.
MAX_BODY_BYTES = 16 * 1024
MAX_SCOPES = 64


def on_loopback(scope: Scope) -> bool:
    client = scope.get("client")
    try:
        return client is not None and ipaddress.ip_address(client[0]).is_loopback
    except ValueError:
        return False


async def send_dev_token(keys_dir: str, scope: Scope, receive: Receive, send: Send) -> None:
    if not on_loopback(scope):
        await send_bytes(send, 404, b"Not Found", b"text/plain; charset=utf-8")
        return
    if scope["method"] != "POST":
        await send_error(send, METHOD_NOT_ALLOWED, "POST a JSON body to get a development token.",
                         headers=[(b"allow", b"POST")])
        return
    try:
        # JSON only: a browser cannot send it from another origin without CORS preflight.
        check_json_content_type(header(scope, b"content-type"))
        body = await read_body(receive, header(scope, b"content-length"), MAX_BODY_BYTES)
        scopes, claims = _request(body)
    except ClientDisconnected:
        return
    except RequestError as exc:
        await send_json(send, exc.status, {"errors": exc.graphql_errors()})
        return
    # Reads (or first makes) the key file: off the event loop.
    token = await asyncio.to_thread(devtoken.sign, scopes, claims=claims, keys_dir=keys_dir)
    await send_json(send, 200, {"token": token, "expiresIn": devtoken.DEFAULT_TTL},
                    headers=[(b"cache-control", b"no-store")])


def _request(body: bytes) -> tuple[list[str], dict[str, Any]]:
    try:
        data = orjson.loads(body or b"{}")
    except orjson.JSONDecodeError:
        raise RequestError("The body is not JSON.", BAD_REQUEST) from None
    if not isinstance(data, dict):
        raise RequestError('Expected {"scopes": [...], "claims": {...}}.', BAD_REQUEST)
    scopes = data.get("scopes", [])
    if not isinstance(scopes, list) or len(scopes) > MAX_SCOPES or not all(
            isinstance(s, str) and s and not any(c.isspace() for c in s) for s in scopes):
        raise RequestError(f"scopes: a list of at most {MAX_SCOPES} words without spaces.", BAD_REQUEST)
    claims = data.get("claims", {})
    if not isinstance(claims, dict):
        raise RequestError("claims: a JSON object.", BAD_REQUEST)
    return scopes, claims
