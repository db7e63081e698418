"""POST requests: the GraphQL-over-HTTP body, content negotiation and every malformed input."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from http_fakes import FakeGateway
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from federation.config import HttpConfig
from federation.errors import RequestError
from federation.http import create_app
from federation.request import GraphQLRequest, GraphQLResponse, RequestContext

GQL_RESPONSE = "application/graphql-response+json"


def codes(response: httpx.Response) -> list[str]:
    return [e["extensions"]["code"] for e in response.json()["errors"]]


async def test_query_answers_with_data_and_gateway_headers(client: httpx.AsyncClient) -> None:
    r = await client.post("/graphql", json={"query": '{ hello(name: "Ada") }'})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    assert r.headers["x-served-by"] == "fake"
    assert r.json() == {"data": {"hello": "Hello, Ada!"}}


async def test_variables_and_operation_name_reach_the_gateway(
    client: httpx.AsyncClient, gateway: FakeGateway
) -> None:
    body = {
        "query": "query A { me } query B($n: String) { hello(name: $n) }",
        "operationName": "B",
        "variables": {"n": "Bo"},
        "extensions": {"trace": True},
    }
    r = await client.post("/graphql", json=body)
    assert r.json() == {"data": {"hello": "Hello, Bo!"}}
    request, _ = gateway.calls[-1]
    assert request == GraphQLRequest(
        query=body["query"], operation_name="B", variables={"n": "Bo"}, extensions={"trace": True}
    )


async def test_headers_and_client_address_reach_the_context(
    client: httpx.AsyncClient, gateway: FakeGateway
) -> None:
    r = await client.post("/graphql", json={"query": "{ me }"}, headers={"Authorization": "Bearer t"})
    assert r.json() == {"data": {"me": "Bearer t"}}
    _, context = gateway.calls[-1]
    assert context.headers["authorization"] == "Bearer t"
    assert all(name == name.lower() for name in context.headers)
    assert context.client_address == "127.0.0.9"


@pytest.mark.parametrize(
    ("query", "code"),
    [("{ hello(", "GRAPHQL_PARSE_FAILED"), ("{ nope }", "GRAPHQL_VALIDATION_FAILED")],
)
async def test_document_errors_status_depends_on_media_type(
    client: httpx.AsyncClient, query: str, code: str
) -> None:
    new = await client.post("/graphql", json={"query": query}, headers={"accept": GQL_RESPONSE})
    assert new.status_code == 400
    assert new.headers["content-type"] == f"{GQL_RESPONSE}; charset=utf-8"
    assert codes(new) == [code]
    legacy = await client.post("/graphql", json={"query": query}, headers={"accept": "application/json"})
    assert legacy.status_code == 200  # the legacy watershed
    assert legacy.headers["content-type"] == "application/json; charset=utf-8"
    assert codes(legacy) == [code]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        ("application/*", "application/json"),
        (f"{GQL_RESPONSE}, application/json;q=0.9", GQL_RESPONSE),
        (f"application/json, {GQL_RESPONSE}", GQL_RESPONSE),
        (f"{GQL_RESPONSE};q=0.5, application/json", "application/json"),
        (f"text/html, {GQL_RESPONSE}", GQL_RESPONSE),
    ],
)
async def test_accept_negotiation(client: httpx.AsyncClient, accept: str | None, expected: str) -> None:
    headers = {"accept": accept} if accept else {}
    r = await client.post("/graphql", json={"query": "{ hello }"}, headers=headers)
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] == expected


@pytest.mark.parametrize("accept", ["text/xml", "application/json;q=0"])
async def test_unacceptable_accept_is_406(client: httpx.AsyncClient, accept: str) -> None:
    r = await client.post("/graphql", json={"query": "{ hello }"}, headers={"accept": accept})
    assert r.status_code == 406
    assert codes(r) == ["NOT_ACCEPTABLE"]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"{", "not valid JSON"),
        (b'{"query": "{ hello }"', "not valid JSON"),
        (b"", "empty"),
        (b"   ", "empty"),
        (b'"{ hello }"', "JSON object"),
        (b"42", "JSON object"),
        (b"null", "JSON object"),
        (b'[{"query": "{ hello }"}]', "Batched"),
        (b'{"query": 1}', "'query' must be a string"),
        (b'{"query": ["{ hello }"]}', "'query' must be a string"),
        (b'{"query": "{ hello }", "variables": [1]}', "'variables' must be a JSON object"),
        (b'{"query": "{ hello }", "variables": "{}"}', "'variables' must be a JSON object"),
        (b'{"query": "{ hello }", "operationName": 7}', "'operationName' must be a string"),
        (b'{"query": "{ hello }", "extensions": "x"}', "'extensions' must be a JSON object"),
        (b"{}", "Missing 'query'"),
        (b'{"variables": {}}', "Missing 'query'"),
        (b'{"query": "\xff\xfe"}', "UTF-8"),
        (b"\xef\xbb\xbf\xc3\x28", "UTF-8"),
    ],
)
async def test_malformed_bodies_are_400_bad_request(
    client: httpx.AsyncClient, gateway: FakeGateway, body: bytes, needle: str
) -> None:
    r = await client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert codes(r) == ["BAD_REQUEST"]
    assert needle in r.json()["errors"][0]["message"]
    assert gateway.calls == []


async def test_persisted_query_without_document_reaches_the_gateway(
    client: httpx.AsyncClient, gateway: FakeGateway
) -> None:
    ext = {"persistedQuery": {"version": 1, "sha256Hash": "ab" * 32}}
    await client.post("/graphql", json={"extensions": ext})
    request, _ = gateway.calls[-1]
    assert request.query is None and request.extensions == ext


@pytest.mark.parametrize(
    "content_type",
    ["application/xml", "application/graphql", "application/json; charset=latin-1", "application/jsonx"],
)
async def test_non_json_content_type_is_415(client: httpx.AsyncClient, content_type: str) -> None:
    r = await client.post(
        "/graphql", content=b'{"query": "{ hello }"}', headers={"content-type": content_type}
    )
    assert r.status_code == 415
    assert codes(r) == ["UNSUPPORTED_MEDIA_TYPE"]


async def test_json_with_utf8_charset_is_fine(client: httpx.AsyncClient) -> None:
    headers = {"content-type": "application/json; charset=UTF-8"}
    r = await client.post("/graphql", content=b'{"query": "{ hello }"}', headers=headers)
    assert r.status_code == 200


@pytest.fixture
def http_config() -> HttpConfig:
    return HttpConfig(max_body_bytes=1000)


async def test_declared_length_over_the_limit_is_413_unread(client: httpx.AsyncClient) -> None:
    body = b'{"query": "{ hello }", "pad": "' + b"x" * 2000 + b'"}'
    r = await client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert codes(r) == ["PAYLOAD_TOO_LARGE"]


async def test_streamed_body_over_the_limit_is_refused_early(client: httpx.AsyncClient) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(1000):  # 100 kB offered; the limit is 1000 bytes
            sent += 1
            yield b" " * 100

    r = await client.post("/graphql", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert codes(r) == ["PAYLOAD_TOO_LARGE"]
    assert sent < 50


async def test_gateway_crash_is_500_without_traceback(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="federation.http"):
        r = await client.post("/graphql", json={"query": "{ boom }"})
    assert r.status_code == 500
    assert codes(r) == ["INTERNAL_SERVER_ERROR"]
    assert "fell over" not in r.text and "Traceback" not in r.text
    assert "fell over" in caplog.text


async def test_gateway_request_error_keeps_its_status() -> None:
    class Refusing:
        async def execute(self, request: GraphQLRequest, context: RequestContext) -> GraphQLResponse:
            raise RequestError("No token.", "UNAUTHENTICATED")

    transport = httpx.ASGITransport(app=create_app(Refusing()))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        r = await c.post("/graphql", json={"query": "{ hello }"})
    assert r.status_code == 401
    assert codes(r) == ["UNAUTHENTICATED"]


async def test_unserialisable_result_is_500() -> None:
    class Odd:
        async def execute(self, request: GraphQLRequest, context: RequestContext) -> GraphQLResponse:
            return GraphQLResponse({"data": {"x": object()}})

    transport = httpx.ASGITransport(app=create_app(Odd()))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        r = await c.post("/graphql", json={"query": "{ hello }"})
    assert r.status_code == 500
    assert codes(r) == ["INTERNAL_SERVER_ERROR"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(st.binary(max_size=300), st.text(max_size=200).map(str.encode)))
async def test_arbitrary_bodies_never_crash(client: httpx.AsyncClient, body: bytes) -> None:
    r = await client.post("/graphql", content=body, headers={"content-type": "application/json"})
    assert r.status_code in (200, 400, 413)
    assert "errors" in r.json() or "data" in r.json()
