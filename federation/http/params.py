"""Decoding a GraphQL request from an HTTP request (GraphQL over HTTP, section 5).

Everything here raises :class:`RequestError` with a registry code for input that is not a
GraphQL request; nothing about the GraphQL document itself is checked (that is the core's job).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import orjson

from federation.errors import BAD_REQUEST, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, RequestError
from federation.http.types import Receive
from federation.request import GraphQLRequest


class ClientDisconnected(Exception):
    """The client went away while we were reading its body: there is no one to answer."""


async def read_body(receive: Receive, content_length: str | None, limit: int) -> bytes:
    """The whole request body, refusing (413) as soon as it is known to exceed ``limit`` bytes."""
    if content_length is not None:
        try:
            declared = int(content_length)
        except ValueError:
            raise RequestError("Content-Length is not a number.", BAD_REQUEST) from None
        if declared > limit:
            raise RequestError(f"Request body is larger than {limit} bytes.", PAYLOAD_TOO_LARGE)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected
        chunk: bytes = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if size > limit:
                raise RequestError(f"Request body is larger than {limit} bytes.", PAYLOAD_TOO_LARGE)
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def check_json_content_type(content_type: str | None) -> None:
    """POST bodies must be ``application/json`` (UTF-8, the only charset the spec allows)."""
    if content_type is None:
        raise RequestError("Missing Content-Type; send application/json.", UNSUPPORTED_MEDIA_TYPE)
    media, *params = content_type.split(";")
    if media.strip().lower() != "application/json":
        raise RequestError(
            f"Unsupported Content-Type {media.strip()!r}; send application/json.", UNSUPPORTED_MEDIA_TYPE
        )
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise RequestError("Only the utf-8 charset is supported.", UNSUPPORTED_MEDIA_TYPE)


def from_post_body(body: bytes) -> GraphQLRequest:
    if not body.strip():
        raise RequestError("The request body is empty; send a JSON object with a query.", BAD_REQUEST)
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            raise RequestError("The request body is not valid UTF-8.", BAD_REQUEST) from None
        raise RequestError(f"The request body is not valid JSON: {exc}", BAD_REQUEST) from None
    if isinstance(payload, list):
        raise RequestError("Batched requests (a JSON array) are not supported.", BAD_REQUEST)
    if not isinstance(payload, dict):
        raise RequestError("The request body must be a JSON object.", BAD_REQUEST)
    return _build(
        payload.get("query"),
        payload.get("operationName"),
        payload.get("variables"),
        payload.get("extensions"),
        "POST",
    )


def from_query_string(query_string: bytes) -> GraphQLRequest:
    try:
        text = query_string.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestError("The query string is not valid UTF-8.", BAD_REQUEST) from None
    try:
        params = parse_qs(text, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise RequestError("The query string is not valid UTF-8.", BAD_REQUEST) from None
    for name, values in params.items():
        if len(values) > 1 and name in ("query", "operationName", "variables", "extensions"):
            raise RequestError(f"The {name!r} parameter is given more than once.", BAD_REQUEST)

    def one(name: str) -> str | None:
        values = params.get(name)
        return values[0] if values else None

    return _build(
        one("query"),
        one("operationName") or None,
        _json_param("variables", one("variables")),
        _json_param("extensions", one("extensions")),
        "GET",
    )


def _json_param(name: str, raw: str | None) -> Any:
    if raw is None or raw == "":
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise RequestError(f"The {name!r} parameter is not valid JSON.", BAD_REQUEST) from None


def _build(query: Any, operation_name: Any, variables: Any, extensions: Any, method: str) -> GraphQLRequest:
    if extensions is not None and not isinstance(extensions, dict):
        raise RequestError("'extensions' must be a JSON object.", BAD_REQUEST)
    if query is None:
        # A persisted-query hash stands in for the document; the core resolves it.
        if not (extensions and "persistedQuery" in extensions):
            raise RequestError("Missing 'query' in the GraphQL request.", BAD_REQUEST)
    elif not isinstance(query, str):
        raise RequestError("'query' must be a string.", BAD_REQUEST)
    if operation_name is not None and not isinstance(operation_name, str):
        raise RequestError("'operationName' must be a string.", BAD_REQUEST)
    if variables is not None and not isinstance(variables, dict):
        raise RequestError("'variables' must be a JSON object.", BAD_REQUEST)
    return GraphQLRequest(
        query=query,
        operation_name=operation_name,
        variables=variables,
        extensions=extensions,
        http_method=method,
    )
