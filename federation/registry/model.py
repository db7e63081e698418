"""The registry's domain records (frozen: read from the store, never changed in place) and name rules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from federation.composition import CompositionIssue
from federation.errors import BAD_REQUEST, INVALID_NAME, RegistryError

# Graph, variant and subgraph names: short, URL-safe, and usable in a path without escaping.
NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
# Version ids are opaque to callers, but an id we could never have made is refused before any query.
VERSION_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")

Trigger = Literal["publish", "delete", "rollback"]
Role = Literal["admin", "read", "publish", "check", "approve"]
ROLES: tuple[Role, ...] = ("admin", "read", "publish", "check", "approve")


def check_name(value: str, what: str) -> str:
    if not isinstance(value, str) or NAME_RE.fullmatch(value) is None:
        raise RegistryError(INVALID_NAME, f"invalid {what} name {value!r}: expected [A-Za-z][A-Za-z0-9_-]{{0,63}}")
    return value


def check_version(value: str) -> str:
    if not isinstance(value, str) or VERSION_RE.fullmatch(value) is None:
        raise RegistryError(BAD_REQUEST, f"invalid version id {value!r}")
    return value


@dataclass(frozen=True)
class SubgraphRecord:
    """One published version of a subgraph (every publish makes one; the current one is served)."""

    name: str
    version_id: str
    routing_url: str
    sdl: str
    sha256: str
    published_by: str
    published_at: str
    commit: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SubgraphRef:
    """Which subgraph version a composition came from."""

    name: str
    version_id: str
    routing_url: str
    sha256: str


@dataclass(frozen=True)
class CompositionRecord:
    """One entry of a variant's linear history. ``refused`` entries were never served."""

    id: str
    sequence: int
    trigger: Trigger
    subgraph: str | None
    refused: bool
    supergraph_sdl: str | None
    errors: tuple[CompositionIssue, ...]
    hints: tuple[CompositionIssue, ...]
    subgraphs: tuple[SubgraphRef, ...]
    created_at: str
    created_by: str

    @property
    def ok(self) -> bool:
        return self.supergraph_sdl is not None and not self.errors


@dataclass(frozen=True)
class CompositionSummary:
    """A history entry without its supergraph SDL, for listings (a page of 5 MB supergraphs is not
    read to list them): ``sdl_chars`` is the SDL's length, None when nothing composed."""

    id: str
    sequence: int
    trigger: Trigger
    subgraph: str | None
    refused: bool
    sdl_chars: int | None
    errors: tuple[CompositionIssue, ...]
    hint_count: int
    created_at: str
    created_by: str

    @property
    def ok(self) -> bool:
        return self.sdl_chars is not None and not self.errors


@dataclass(frozen=True)
class VariantRecord:
    graph: str
    name: str
    created_at: str
    served_id: str | None  # the composition gateways get; None until something composed
    last_sequence: int


@dataclass(frozen=True)
class TokenRecord:
    """A token as stored (never the secret). Also the principal a request acts as."""

    id: str
    name: str
    role: Role
    graph: str | None
    subgraph: str | None
    created_at: str
    revoked_at: str | None = None
