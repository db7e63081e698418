"""Choosing the response media type from the Accept header (GraphQL over HTTP, section 6.4).

``application/graphql-response+json`` lets the status code tell parse and validation failures
apart (4xx); ``application/json`` is the legacy type, where any well-formed request gets 200.
"""

from __future__ import annotations

import enum


class MediaType(enum.Enum):
    GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
    JSON = "application/json"


class StreamMedia(enum.Enum):
    """The streamed forms: multipart/mixed (incremental delivery as Apollo Router and graphql-js 17
    send it, and Apollo's multipart subscriptions) and text/event-stream (GraphQL over SSE)."""

    MULTIPART = "multipart/mixed"
    EVENT_STREAM = "text/event-stream"


def negotiate(accept: str | None) -> MediaType | None:
    """The media type to answer with, or None when the client accepts neither (406).

    No Accept header means ``application/json`` (the spec's advice for legacy clients). Between
    the two, the higher quality wins and a tie goes to ``application/graphql-response+json``.
    """
    if not accept:
        return MediaType.JSON
    best: MediaType | None = None
    best_q = 0.0
    for media_range, q in _ranges(accept):
        for candidate in _matches(media_range):
            if q > best_q or (q == best_q and q > 0 and candidate is MediaType.GRAPHQL_RESPONSE_JSON):
                best, best_q = candidate, q
    return best


def stream_media(accept: str | None) -> StreamMedia | None:
    """The streamed form the client accepts, if any; multipart first when it lists both at one
    quality. Parameters (``deferSpec``, ``subscriptionSpec``) are not required: one framing serves."""
    best: StreamMedia | None = None
    best_q = 0.0
    for media_range, q in _ranges(accept or ""):
        for candidate in StreamMedia:
            if media_range == candidate.value and (q > best_q or (q == best_q and q > 0 and best is None)):
                best, best_q = candidate, q
    return best


def accepts_html(accept: str | None) -> bool:
    """A browser navigating to the endpoint (it lists text/html explicitly)."""
    return bool(accept) and any(r == "text/html" and q > 0 for r, q in _ranges(accept or ""))


def _matches(media_range: str) -> tuple[MediaType, ...]:
    if media_range == MediaType.GRAPHQL_RESPONSE_JSON.value:
        return (MediaType.GRAPHQL_RESPONSE_JSON,)
    # Wildcards get the legacy type: a client that did not ask for the new one may not know it.
    if media_range in (MediaType.JSON.value, "*/*", "application/*"):
        return (MediaType.JSON,)
    return ()


def _ranges(accept: str) -> list[tuple[str, float]]:
    out: list[tuple[str, float]] = []
    for part in accept.split(","):
        pieces = part.split(";")
        media_range = pieces[0].strip().lower()
        if not media_range:
            continue
        q = 1.0
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        out.append((media_range, q))
    return out
