"""The values that cross the boundary between the HTTP layer and the gateway core."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from federation.observability.tracing import RequestTrace


@dataclass(frozen=True)
class GraphQLRequest:
    """A GraphQL request as the HTTP layer decoded it (POST body or GET query string)."""

    query: str | None
    operation_name: str | None = None
    variables: dict[str, Any] | None = None
    extensions: dict[str, Any] | None = None
    # GET requests may only run queries (GraphQL over HTTP: mutations need POST).
    http_method: str = "POST"


@dataclass
class RequestContext:
    """Per-request facts the policies need: headers (lower-cased names), verified claims, client."""

    headers: dict[str, str] = field(default_factory=dict)
    claims: dict[str, Any] | None = None
    client_address: str | None = None
    # Free slot for policies to leave values for later stages (e.g. the cost estimate).
    attributes: dict[str, Any] = field(default_factory=dict)
    # This request's spans when tracing is on (``federation.observability.tracing``); None: off.
    trace: RequestTrace | None = None


@dataclass
class GraphQLResponse:
    """The response body and the status the HTTP layer should use.

    ``status`` is 200 for anything that was executed (even with errors); a request refused before
    execution carries the 4xx of its error code. The HTTP layer may answer 200 instead for clients
    that only accept ``application/json`` (GraphQL over HTTP, legacy watershed).
    """

    body: dict[str, Any]
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    # Sent after ``headers``; pairs, since a name may repeat (one Set-Cookie per cookie).
    extra_headers: list[tuple[str, str]] = field(default_factory=list)
