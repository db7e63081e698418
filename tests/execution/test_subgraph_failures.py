"""A subgraph that is down, slow, or answers garbage: the client gets the data the other subgraphs
gave and one error with a stable code; never an HTTP 500, never an exception."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from federation.config import GatewayConfig, SubgraphConfig
from federation.errors import SUBREQUEST_HTTP_ERROR, SUBREQUEST_MALFORMED_RESPONSE

from .conftest import Harness
from .fakes import Chunked, CutOff, Hang, Raw, Reply, always
from .shop_data import products, reviews

QUERY = "{ topProducts { upc name reviews { body } } }"

# What the products subgraph gave, with reviews null: the reviews subgraph failed.
WITHOUT_REVIEWS = {
    "topProducts": [
        {"upc": "1", "name": "Table", "reviews": None},
        {"upc": "2", "name": "Couch", "reviews": None},
        {"upc": "3", "name": "Chair", "reviews": None},
    ]
}


def reviews_error(message: str, code: str) -> dict[str, Any]:
    return {"message": f"subgraph 'reviews' {message}", "extensions": {"code": code, "service": "reviews"}}


async def test_subgraph_down_leaves_its_fields_null(harness: Harness) -> None:
    down = harness.refused_url()
    port = down.split(":")[2].split("/")[0]
    gw = await harness.gateway({"products": await harness.subgraph("products", products), "reviews": down})

    status, body = await gw.post(QUERY)

    assert status == 200
    assert body == {
        "data": WITHOUT_REVIEWS,
        "errors": [reviews_error(f"could not be reached: [Errno 111] Connect call failed ('127.0.0.1', {port})",
                                 SUBREQUEST_HTTP_ERROR)],
    }


async def test_subgraph_down_for_a_non_null_root_field_nulls_data(harness: Harness) -> None:
    down = harness.refused_url()
    port = down.split(":")[2].split("/")[0]
    gw = await harness.gateway({"products": down, "reviews": await harness.subgraph("reviews", reviews)})

    status, body = await gw.post(QUERY)

    assert status == 200
    assert body == {
        "data": None,
        "errors": [{
            "message": f"subgraph 'products' could not be reached: [Errno 111] Connect call failed "
                       f"('127.0.0.1', {port})",
            "extensions": {"code": SUBREQUEST_HTTP_ERROR, "service": "products"},
        }],
    }  # fmt: skip


async def test_subgraph_past_its_timeout(harness: Harness) -> None:
    slow = await harness.subgraph("reviews", always(Hang()))
    config = GatewayConfig(subgraphs={"reviews": SubgraphConfig(timeout=0.3)})
    gw = await harness.gateway({"products": await harness.subgraph("products", products), "reviews": slow},
                               config=config)

    status, body = await gw.post(QUERY)

    assert status == 200
    assert body == {"data": WITHOUT_REVIEWS, "errors": [reviews_error("timed out", SUBREQUEST_HTTP_ERROR)]}
    assert len(slow.requests) == 1  # a timeout is not retried


HTML_500 = Raw(500, b"<html><body><h1>500 Internal Server Error</h1></body></html>", "text/html")

MISBEHAVIOURS = [
    pytest.param(HTML_500, "answered HTTP 500", SUBREQUEST_HTTP_ERROR, id="http-500-html"),
    pytest.param(Raw(502, b""), "answered HTTP 502", SUBREQUEST_HTTP_ERROR, id="http-502-empty"),
    pytest.param(Raw(503, b"[1]"), "answered HTTP 503", SUBREQUEST_HTTP_ERROR, id="http-503-json-list"),
    pytest.param(Raw(200, b'{"data": {"_entities": [}'), "answered with invalid JSON",
                 SUBREQUEST_MALFORMED_RESPONSE, id="invalid-json"),
    pytest.param(Raw(200, b"", "text/plain"), "answered with invalid JSON", SUBREQUEST_MALFORMED_RESPONSE,
                 id="empty-body"),
    pytest.param([{"data": {}}], "answered with no data or errors", SUBREQUEST_MALFORMED_RESPONSE,
                 id="json-list"),
    pytest.param({"result": {}}, "answered with no data or errors", SUBREQUEST_MALFORMED_RESPONSE,
                 id="no-data-key"),
    pytest.param({"data": 5}, "answered with data that is not an object", SUBREQUEST_MALFORMED_RESPONSE,
                 id="data-5"),
    pytest.param({"data": {"_entities": [{"reviews": []}]}}, "answered _entities with a wrong number of entities",
                 SUBREQUEST_MALFORMED_RESPONSE, id="entities-too-few"),
    pytest.param({"data": {"_entities": [{"reviews": []}] * 4}}, "answered _entities with a wrong number of "
                 "entities", SUBREQUEST_MALFORMED_RESPONSE, id="entities-too-many"),
    pytest.param({"data": {"_entities": {"reviews": []}}}, "answered _entities with no entities",
                 SUBREQUEST_MALFORMED_RESPONSE, id="entities-object"),
    pytest.param({"data": {}}, "answered _entities with no entities", SUBREQUEST_MALFORMED_RESPONSE,
                 id="entities-missing"),
]


@pytest.mark.parametrize(("reply", "message", "code"), MISBEHAVIOURS)
async def test_misbehaving_entity_subgraph(harness: Harness, reply: Reply, message: str, code: str) -> None:
    bad = await harness.subgraph("reviews", always(reply))
    gw = await harness.gateway({"products": await harness.subgraph("products", products), "reviews": bad})

    status, body = await gw.post(QUERY)

    assert status == 200
    assert body == {"data": WITHOUT_REVIEWS, "errors": [reviews_error(message, code)]}


async def test_subgraph_closing_the_connection_mid_response(harness: Harness) -> None:
    cut = await harness.subgraph("reviews", always(CutOff()))
    gw = await harness.gateway({"products": await harness.subgraph("products", products), "reviews": cut})

    status, body = await gw.post(QUERY)

    assert status == 200
    assert body == {
        "data": WITHOUT_REVIEWS,
        "errors": [reviews_error("could not be reached: connection closed by the subgraph", SUBREQUEST_HTTP_ERROR)],
    }
    assert len(cut.requests) == 1  # a fresh connection that failed mid-answer is not tried again


async def test_a_failing_root_subgraph_keeps_the_other_root_fields(harness: Harness) -> None:
    gw = await harness.gateway({"products": await harness.subgraph("products", always(HTML_500)),
                                "reviews": await harness.subgraph("reviews", reviews)})

    status, body = await gw.post("{ product(upc: \"1\") { name } latestReviews { body } }")

    assert status == 200
    assert body == {
        "data": {"product": None, "latestReviews": [{"body": "Soft"}]},
        "errors": [{"message": "subgraph 'products' answered HTTP 500",
                    "extensions": {"code": SUBREQUEST_HTTP_ERROR, "service": "products"}}],
    }


async def test_every_subgraph_failing_at_once_is_still_a_graphql_response(harness: Harness) -> None:
    config = GatewayConfig(subgraphs={"reviews": SubgraphConfig(timeout=0.3)})
    gw = await harness.gateway({"products": await harness.subgraph("products", always({"data": 5})),
                                "reviews": await harness.subgraph("reviews", always(Hang()))}, config=config)

    status, body = await gw.post("{ product(upc: \"1\") { name } latestReviews { body } }")

    assert status == 200
    assert body == {
        "data": {"product": None, "latestReviews": None},
        "errors": [
            {"message": "subgraph 'products' answered with data that is not an object",
             "extensions": {"code": SUBREQUEST_MALFORMED_RESPONSE, "service": "products"}},
            reviews_error("timed out", SUBREQUEST_HTTP_ERROR),
        ],
    }


# Garbled HTTP is a malformed answer (the parser's own words follow); silence is a failed request.
GARBAGE = [
    pytest.param(b"SSH-2.0-OpenSSH_9.6\r\n", "answered with malformed HTTP: Expected HTTP/, RTSP/ or ICE/",
                 SUBREQUEST_MALFORMED_RESPONSE, id="not-http"),
    pytest.param(b"HTTP/1.1 200 OK\r\ncontent-length: nope\r\n\r\n{}",
                 "answered with malformed HTTP: Invalid character in Content-Length", SUBREQUEST_MALFORMED_RESPONSE,
                 id="bad-content-length"),
    pytest.param(b"", "could not be reached: connection closed by the subgraph", SUBREQUEST_HTTP_ERROR,
                 id="closed-without-a-byte"),
]


@pytest.mark.parametrize(("answer", "reason", "code"), GARBAGE)
async def test_a_subgraph_answering_garbled_http(harness: Harness, answer: bytes, reason: str, code: str) -> None:
    gw = await harness.gateway({"products": await harness.subgraph("products", products),
                                "reviews": await harness.raw_server(answer)})

    status, body = await gw.post(QUERY)

    assert status == 200
    assert body == {"data": WITHOUT_REVIEWS, "errors": [reviews_error(reason, code)]}


async def test_a_large_answer_in_many_chunks(harness: Harness) -> None:
    many = [{"__typename": "Product", "upc": str(i), "name": f"product {i} " + "x" * 100, "price": i}
            for i in range(2000)]
    raw = orjson.dumps({"data": {"topProducts": many}})
    parts = tuple(raw[i:i + 4096] for i in range(0, len(raw), 4096))
    gw = await harness.gateway({"products": await harness.subgraph("products", always(Chunked(parts))),
                                "reviews": harness.refused_url()})

    status, body = await gw.post("{ topProducts { upc name price } }")

    assert status == 200
    assert body == {"data": {"topProducts": [{"upc": p["upc"], "name": p["name"], "price": p["price"]}
                                             for p in many]}}
