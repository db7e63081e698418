"""@defer against running subgraphs: the primary part is answered before the deferred fetches finish,
then each deferred part arrives in the ``incremental`` format (multipart/mixed), one entry per object
it completes; a client that takes only JSON gets everything in one answer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson

from federation.config import GatewayConfig, SubgraphConfig, TrafficConfig

from .conftest import GatewayUnderTest, Harness
from .fakes import Hang, Reply, SubgraphRequest
from .shop_data import PRODUCTS, REVIEWS, products, reviews

MULTIPART = "multipart/mixed;deferSpec=20220824, application/json;q=0.9"
WAIT_S = 10.0  # bounds every wait on the gateway or a subgraph


async def read_parts(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    """The JSON parts of a multipart/mixed answer, each as soon as it has arrived whole."""
    buf = b""
    async for chunk in response.aiter_bytes():
        buf += chunk
        while (start := buf.find(b"\r\n---\r\n")) >= 0:
            head_end = buf.find(b"\r\n\r\n", start + 7)
            if head_end < 0:
                break
            end = buf.find(b"\r\n---", head_end + 4)
            try:
                payload = orjson.loads(buf[head_end + 4: end if end >= 0 else len(buf)])
            except orjson.JSONDecodeError:
                break
            buf = buf[end if end >= 0 else len(buf):]
            if payload != {}:  # a heartbeat
                yield payload


async def _stream(gw: GatewayUnderTest, query: str, variables: dict[str, Any] | None = None,
                  accept: str = MULTIPART) -> tuple[str, list[dict[str, Any]]]:
    body: dict[str, Any] = {"query": query, "variables": variables or {}}
    async with gw.client.stream("POST", gw.url, json=body, headers={"accept": accept}) as response:
        kind = response.headers["content-type"]
        if not kind.startswith("multipart/mixed"):
            return kind, [orjson.loads(await response.aread())]
        return kind, [p async for p in read_parts(response)]


def _slow(handler: Any, release: asyncio.Event) -> Any:
    """``handler``, but ``_entities`` calls wait until the test sets ``release``."""

    async def handle(request: SubgraphRequest) -> Reply:
        if request.representations:
            await asyncio.wait_for(release.wait(), WAIT_S)
        return handler(request)

    return handle


def _products(request: SubgraphRequest) -> Reply:
    """The products subgraph, answering ``_entities`` for Product by upc too."""
    if request.representations:
        by_upc = {p["upc"]: p for p in PRODUCTS}
        return {"data": {"_entities": [by_upc[rep["upc"]] for rep in request.representations]}}
    return products(request)


QUERY = '{ topProducts { name ... @defer(label: "reviews") { reviews { body } } } }'
NAMES = [{"name": "Table"}, {"name": "Couch"}, {"name": "Chair"}]


def _reviews(label: str | None = "reviews") -> list[dict[str, Any]]:
    out = []
    for i, upc in enumerate(["1", "2", "3"]):
        entry: dict[str, Any] = {"data": {"reviews": [{"body": r["body"]} for r in REVIEWS[upc]]},
                                 "path": ["topProducts", i]}
        if label:
            entry["label"] = label
        out.append(entry)
    return out


async def test_primary_part_arrives_before_the_deferred_fetch_completes(harness: Harness) -> None:
    release = asyncio.Event()
    slow = await harness.subgraph("reviews", _slow(reviews, release))
    gw = await harness.gateway({"products": await harness.subgraph("products", products), "reviews": slow})

    body = {"query": QUERY}
    async with gw.client.stream("POST", gw.url, json=body, headers={"accept": MULTIPART}) as response:
        assert response.headers["content-type"].startswith("multipart/mixed")
        parts = read_parts(response)
        first = await asyncio.wait_for(anext(parts), WAIT_S)
        # The reviews subgraph cannot have answered: it waits for this test, which has only now read
        # the primary part. Its call is under way meanwhile.
        assert not release.is_set()
        assert first == {"data": {"topProducts": NAMES}, "hasNext": True}
        await asyncio.wait_for(slow.arrived.wait(), WAIT_S)
        release.set()
        rest = [p async for p in parts]

    assert [e for p in rest for e in p.get("incremental", [])] == _reviews()
    assert rest[-1]["hasNext"] is False and all(p["hasNext"] for p in rest[:-1])
    assert all("@defer" not in r.query for r in slow.requests)


async def test_a_client_without_multipart_gets_the_whole_answer_at_once(harness: Harness) -> None:
    gw = await harness.gateway({"products": await harness.subgraph("products", products),
                                "reviews": await harness.subgraph("reviews", reviews)})

    kind, [answer] = await _stream(gw, QUERY, accept="application/json")

    assert kind.startswith("application/json")
    assert answer == {"data": {"topProducts": [{**n, **e["data"]} for n, e in zip(NAMES, _reviews(), strict=True)]}}


async def test_defer_if_false_answers_whole_and_if_true_defers(harness: Harness) -> None:
    gw = await harness.gateway({"products": await harness.subgraph("products", products),
                                "reviews": await harness.subgraph("reviews", reviews)})
    query = ('query ($d: Boolean!) { topProducts { name ... @defer(label: "reviews", if: $d) '
             '{ reviews { body } } } }')

    kind, [answer] = await _stream(gw, query, {"d": False})
    assert kind.startswith("application/json")
    assert answer == {"data": {"topProducts": [{**n, **e["data"]} for n, e in zip(NAMES, _reviews(), strict=True)]}}

    kind, parts = await _stream(gw, query, {"d": True})
    assert kind.startswith("multipart/mixed")
    assert parts[0] == {"data": {"topProducts": NAMES}, "hasNext": True}
    assert [e for p in parts[1:] for e in p.get("incremental", [])] == _reviews()


async def test_nested_defers_arrive_outer_first(harness: Harness) -> None:
    release = asyncio.Event()
    gw = await harness.gateway({"products": await harness.subgraph("products", _products),
                                "reviews": await harness.subgraph("reviews", _slow(reviews, release))})
    query = ('{ topProducts { upc ... @defer(label: "outer") { name ... @defer(label: "inner") '
             '{ reviews { body } } } } }')

    body = {"query": query}
    async with gw.client.stream("POST", gw.url, json=body, headers={"accept": MULTIPART}) as response:
        parts = read_parts(response)
        first = await asyncio.wait_for(anext(parts), WAIT_S)
        second = await asyncio.wait_for(anext(parts), WAIT_S)
        assert not release.is_set()  # the inner part waits for the reviews subgraph, held by the test
        release.set()
        rest = [p async for p in parts]

    assert first == {"data": {"topProducts": [{"upc": "1"}, {"upc": "2"}, {"upc": "3"}]}, "hasNext": True}
    assert second == {"incremental": [{"data": n, "path": ["topProducts", i], "label": "outer"}
                                      for i, n in enumerate(NAMES)], "hasNext": True}
    assert [e for p in rest for e in p.get("incremental", [])] == _reviews("inner")
    assert rest[-1]["hasNext"] is False


async def test_defer_at_the_root_and_inside_nested_lists(harness: Harness) -> None:
    gw = await harness.gateway({"products": await harness.subgraph("products", products),
                                "reviews": await harness.subgraph("reviews", reviews)})
    query = ('{ topProducts { upc reviews { id ... @defer { body } } } '
             '... @defer(label: "latest") { latestReviews { id } } }')

    kind, parts = await _stream(gw, query)

    assert kind.startswith("multipart/mixed")
    assert parts[0]["data"] == {"topProducts": [
        {"upc": upc, "reviews": [{"id": r["id"]} for r in REVIEWS[upc]]} for upc in ["1", "2", "3"]]}
    entries = sorted((e for p in parts[1:] for e in p.get("incremental", [])), key=lambda e: str(e["path"]))
    assert entries == sorted([
        {"data": {"latestReviews": [{"id": "r2"}]}, "path": [], "label": "latest"},
        {"data": {"body": "Sturdy"}, "path": ["topProducts", 0, "reviews", 0]},
        {"data": {"body": "Soft"}, "path": ["topProducts", 1, "reviews", 0]},
        {"data": {"body": "Too soft"}, "path": ["topProducts", 1, "reviews", 1]},
    ], key=lambda e: str(e["path"]))
    assert parts[-1]["hasNext"] is False


async def test_a_failing_deferred_subgraph_puts_its_error_in_that_part(harness: Harness) -> None:
    down = harness.refused_url()
    gw = await harness.gateway({"products": await harness.subgraph("products", products), "reviews": down})

    kind, parts = await _stream(gw, QUERY)

    assert kind.startswith("multipart/mixed")
    assert parts[0] == {"data": {"topProducts": NAMES}, "hasNext": True}  # no error in the primary part
    entries = [e for p in parts[1:] for e in p.get("incremental", [])]
    assert [e["data"] for e in entries] == [{"reviews": None}] * 3
    assert [e["path"] for e in entries] == [["topProducts", i] for i in range(3)]
    assert [err["extensions"]["code"] for e in entries for err in e.get("errors", [])] == ["SUBREQUEST_HTTP_ERROR"]


async def test_a_null_in_a_deferred_part_stops_at_the_fragment(harness: Harness) -> None:
    """Review.body is non-null: a subgraph answering null for it nulls that part's data, not the
    primary part's objects."""

    def broken(request: SubgraphRequest) -> Reply:
        return {"data": {"_entities": [{"__typename": "Product", "reviews": [{"body": None}]}
                                       for _ in request.representations]}}

    gw = await harness.gateway({"products": await harness.subgraph("products", products),
                                "reviews": await harness.subgraph("reviews", broken)})
    query = '{ topProducts { name ... @defer { reviews { body } } } }'

    _, parts = await _stream(gw, query)

    assert parts[0] == {"data": {"topProducts": NAMES}, "hasNext": True}
    entries = [e for p in parts[1:] for e in p.get("incremental", [])]
    # reviews is nullable: the null of body stops there.
    assert [e["data"] for e in entries] == [{"reviews": None}] * 3
    assert [err["path"] for e in entries for err in e["errors"]] == [["topProducts", i, "reviews", 0, "body"]
                                                                      for i in range(3)]


SEARCH = """
type Query @join__type(graph: SEARCH) @join__type(graph: BOOKS) {
  search: [Result!]! @join__field(graph: SEARCH)
}
union Result @join__type(graph: SEARCH) @join__unionMember(graph: SEARCH, member: "Book")
  @join__unionMember(graph: SEARCH, member: "Movie") = Book | Movie
type Book @join__type(graph: SEARCH, key: "isbn") @join__type(graph: BOOKS, key: "isbn") {
  isbn: ID!
  title: String @join__field(graph: BOOKS)
}
type Movie @join__type(graph: SEARCH) {
  id: ID!
  title: String @join__field(graph: SEARCH)
}
"""


async def test_a_deferred_type_condition_completes_only_objects_of_that_type(harness: Harness) -> None:
    def search(request: SubgraphRequest) -> Reply:
        return {"data": {"search": [{"__typename": "Movie", "id": "m1", "title": "Alien"},
                                    {"__typename": "Book", "isbn": "b1"}, {"__typename": "Book", "isbn": "b2"}]}}

    def books(request: SubgraphRequest) -> Reply:
        return {"data": {"_entities": [{"__typename": "Book", "title": f"Book {rep['isbn']}"}
                                       for rep in request.representations]}}

    gw = await harness.gateway({"search": await harness.subgraph("search", search),
                                "books": await harness.subgraph("books", books)}, SEARCH)
    query = '{ search { __typename ... on Book @defer(label: "book") { title } ... on Movie { title } } }'

    _, parts = await _stream(gw, query)

    assert parts[0] == {"data": {"search": [{"__typename": "Movie", "title": "Alien"}, {"__typename": "Book"},
                                            {"__typename": "Book"}]}, "hasNext": True}
    assert [e for p in parts[1:] for e in p.get("incremental", [])] == [
        {"data": {"title": "Book b1"}, "path": ["search", 1], "label": "book"},
        {"data": {"title": "Book b2"}, "path": ["search", 2], "label": "book"},
    ]


async def test_a_deferred_part_past_the_deadline_ends_the_stream_with_its_error(harness: Harness) -> None:
    """The request's deadline covers the deferred parts too: a subgraph that never answers ends its
    part with REQUEST_DEADLINE_EXCEEDED, and the stream ends (no hang)."""
    config = GatewayConfig(traffic=TrafficConfig(request_timeout=0.5),
                           subgraphs={"reviews": SubgraphConfig(timeout=30.0)})
    gw = await harness.gateway({"products": await harness.subgraph("products", products),
                                "reviews": await harness.subgraph("reviews", lambda r: Hang())}, config=config)

    _, parts = await _stream(gw, QUERY)

    assert parts[0] == {"data": {"topProducts": NAMES}, "hasNext": True}
    entries = [e for p in parts[1:] for e in p.get("incremental", [])]
    assert [e["data"] for e in entries] == [{"reviews": None}] * 3
    assert {err["extensions"]["code"] for e in entries for err in e.get("errors", [])} == {"REQUEST_DEADLINE_EXCEEDED"}
    assert parts[-1]["hasNext"] is False


async def test_server_sent_events_carry_the_same_payloads(harness: Harness) -> None:
    gw = await harness.gateway({"products": await harness.subgraph("products", products),
                                "reviews": await harness.subgraph("reviews", reviews)})

    response = await gw.client.post(gw.url, json={"query": QUERY}, headers={"accept": "text/event-stream"})

    assert response.headers["content-type"].startswith("text/event-stream")
    payloads = [orjson.loads(line[len("data:"):]) for line in response.text.splitlines()
                if line.startswith("data:") and line.strip() != "data:"]
    assert payloads[0] == {"data": {"topProducts": NAMES}, "hasNext": True}
    assert [e for p in payloads[1:] for e in p.get("incremental", [])] == _reviews()
    assert payloads[-1]["hasNext"] is False


async def test_a_deferred_root_fragment_is_fetched_alongside_the_primary_part(harness: Harness) -> None:
    """It needs nothing from the primary part, so its fetch does not wait for it: here the products
    subgraph answers only once the reviews subgraph has been asked, which would never happen if the
    deferred fetch waited for the primary one."""
    asked = asyncio.Event()

    async def waiting_products(request: SubgraphRequest) -> Reply:
        await asyncio.wait_for(asked.wait(), WAIT_S)
        return products(request)

    def noting_reviews(request: SubgraphRequest) -> Reply:
        asked.set()
        return reviews(request)

    gw = await harness.gateway({"products": await harness.subgraph("products", waiting_products),
                                "reviews": await harness.subgraph("reviews", noting_reviews)})
    query = '{ topProducts { name } ... @defer(label: "latest") { latestReviews { body } } }'

    _, parts = await _stream(gw, query)

    assert parts[0] == {"data": {"topProducts": NAMES}, "hasNext": True}
    assert parts[1:] == [{"incremental": [{"data": {"latestReviews": [{"body": "Soft"}]}, "path": [],
                                           "label": "latest"}], "hasNext": False}]
