"""Registry tokens: ``fedreg_<key id>_<secret>``. The key id (public) finds the row; the secret's
sha256 is what is stored, compared in constant time. sha256 without a salt or stretching is right
here because the secret is 256 random bits, not a password anyone could guess.

Roles: ``admin`` (everything), ``read`` (one graph: gateways, history), ``check`` (one graph: check
any subgraph, and read), ``publish`` (one graph and one subgraph name: publish, delete and check
that subgraph only, and read the graph), ``approve`` (one graph: approve failed checks for a
context, check any subgraph, and read).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy.ext.asyncio import AsyncConnection

from federation.errors import BAD_REQUEST, FORBIDDEN, UNAUTHENTICATED, RegistryError

from . import store
from .model import ROLES, Role, TokenRecord, check_name

PREFIX = "fedreg_"
_KEY_HEX = 16
# Compared against when the key id is unknown, so a miss costs the same as a wrong secret.
_DUMMY_HASH = hashlib.sha256(b"no such token").hexdigest()


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _split(token: str) -> tuple[str, str] | None:
    if not token.startswith(PREFIX) or len(token) < len(PREFIX) + _KEY_HEX + 2:
        return None
    key_id, sep, secret = token[len(PREFIX):len(PREFIX) + _KEY_HEX], token[len(PREFIX) + _KEY_HEX], \
        token[len(PREFIX) + _KEY_HEX + 1:]
    return (key_id, secret) if sep == "_" else None


def validate_scope(role: str, graph: str | None, subgraph: str | None) -> Role:
    if role not in ROLES:
        raise RegistryError(BAD_REQUEST, f"unknown role {role!r}: expected one of {', '.join(ROLES)}")
    if role == "admin" and (graph or subgraph):
        raise RegistryError(BAD_REQUEST, "an admin token is for every graph: give no graph or subgraph")
    if role in ("read", "check", "approve") and (not graph or subgraph):
        raise RegistryError(BAD_REQUEST, f"a {role} token needs a graph and no subgraph")
    if role == "publish" and not (graph and subgraph):
        raise RegistryError(BAD_REQUEST, "a publish token needs a graph and a subgraph")
    if graph:
        check_name(graph, "graph")
    if subgraph:
        check_name(subgraph, "subgraph")
    return role


async def create(
    conn: AsyncConnection, role: str, graph: str | None = None, subgraph: str | None = None, name: str | None = None
) -> tuple[str, TokenRecord]:
    """A new token: (the token itself, shown once, and its record)."""
    checked = validate_scope(role, graph, subgraph)
    label = name or "-".join(p for p in (checked, graph, subgraph) if p)
    if len(label) > 200 or "\x00" in label:
        raise RegistryError(BAD_REQUEST, "a token name is at most 200 characters, without NUL")
    key_id, secret = secrets.token_hex(_KEY_HEX // 2), secrets.token_urlsafe(32)
    record = TokenRecord(key_id, label, checked, graph or None, subgraph or None, store.now())
    await store.insert_token(conn, record, _hash(secret))
    return f"{PREFIX}{key_id}_{secret}", record


def bearer(header: str | None) -> str:
    if not header:
        raise RegistryError(UNAUTHENTICATED, "no token: send Authorization: Bearer <registry token>")
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise RegistryError(UNAUTHENTICATED, "the Authorization header must be 'Bearer <registry token>'")
    return value.strip()


async def authenticate(conn: AsyncConnection, header: str | None) -> TokenRecord:
    parts = _split(bearer(header))
    found = await store.token_by_key(conn, parts[0]) if parts else None
    stored = found[1] if found else _DUMMY_HASH
    matches = hmac.compare_digest(stored, _hash(parts[1] if parts else ""))
    if found is None or not matches or found[0].revoked_at is not None:
        raise RegistryError(UNAUTHENTICATED, "unknown or revoked registry token")
    return found[0]


def _forbid(who: TokenRecord, what: str) -> RegistryError:
    scope = "/".join(p for p in (who.graph, who.subgraph) if p)
    return RegistryError(FORBIDDEN, f"token {who.name!r} ({who.role}{' ' + scope if scope else ''}) may not {what}")


def require_read(who: TokenRecord, graph: str) -> None:
    if who.role != "admin" and who.graph != graph:
        raise _forbid(who, f"read graph {graph!r}")


def require_check(who: TokenRecord, graph: str, subgraph: str) -> None:
    allowed = who.role == "admin" or (who.graph == graph and (
        who.role in ("check", "approve") or (who.role == "publish" and who.subgraph == subgraph)))
    if not allowed:
        raise _forbid(who, f"check subgraph {subgraph!r} of graph {graph!r}")


def require_publish(who: TokenRecord, graph: str, subgraph: str) -> None:
    if not (who.role == "admin" or (who.role == "publish" and who.graph == graph and who.subgraph == subgraph)):
        raise _forbid(who, f"publish or delete subgraph {subgraph!r} of graph {graph!r}")


def require_approve(who: TokenRecord, graph: str) -> None:
    if not (who.role == "admin" or (who.role == "approve" and who.graph == graph)):
        raise _forbid(who, f"approve checks of graph {graph!r}")


def require_admin(who: TokenRecord, what: str) -> None:
    if who.role != "admin":
        raise _forbid(who, what)
