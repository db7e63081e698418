"""The values that cross the boundary between the HTTP layer and the gateway core."""

from __future__ import annotations

from collections.abc import AsyncGenerator
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
    # The client accepts a streamed answer (multipart/mixed or text/event-stream): @defer may then
    # answer incrementally; without it, deferred parts are waited for and sent in one answer.
    incremental: bool = False
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
    # A streamed answer: set only when ``RequestContext.incremental`` was (see ResponseStream).
    stream: ResponseStream | None = None


@dataclass(frozen=True)
class ResponseStream:
    """The payloads of a streamed answer, delivered by the HTTP layer as they come.

    ``incremental`` (@defer): ``GraphQLResponse.body`` is the initial payload (``hasNext: true``) and
    ``payloads`` yields the subsequent ones (``incremental: [...]``, ``hasNext``), the last with
    ``hasNext: false``. Otherwise (a subscription) ``body`` is unused and each payload is one
    event's whole result (``data``/``errors``). Closing the iterator (``aclose``) must release
    what it holds: the HTTP layer does so when the client goes away.
    """

    payloads: AsyncGenerator[dict[str, Any], None]
    incremental: bool
