"""Errors a subgraph reports are passed on: root errors as they came, ``_entities`` errors with their
paths moved to where the client sees the object."""

from __future__ import annotations

from typing import Any

from federation.errors import DOWNSTREAM_SERVICE_ERROR

from .conftest import Harness
from .fakes import Raw, SubgraphRequest, always, entities
from .shop_data import PRODUCTS, products, reviews, reviews_of


async def test_root_errors_keep_their_path_and_extensions(harness: Harness) -> None:
    fake = await harness.subgraph("products", always({
        "data": {"product": None},
        "errors": [
            {"message": "no such product", "path": ["product"], "locations": [{"line": 1, "column": 3}],
             "extensions": {"code": "NOT_FOUND", "upc": "9"}},
            {"message": "a warning without a path"},
        ],
    }))  # fmt: skip
    gw = await harness.gateway({"products": fake, "reviews": harness.refused_url()})

    status, body = await gw.post('{ product(upc: "9") { name } }')

    assert status == 200
    assert body == {
        "data": {"product": None},
        "errors": [
            {"message": "no such product", "path": ["product"],
             "extensions": {"code": "NOT_FOUND", "upc": "9", "service": "products"}},
            {"message": "a warning without a path",
             "extensions": {"code": DOWNSTREAM_SERVICE_ERROR, "service": "products"}},
        ],
    }  # fmt: skip


async def test_entity_errors_get_the_client_path(harness: Harness) -> None:
    def resolve(request: SubgraphRequest) -> Any:
        found: list[Any] = [reviews_of(rep) for rep in request.representations]
        found[1] = None
        return {"data": {"_entities": found},
                "errors": [{"message": "reviews of 2 are hidden", "path": ["_entities", 1, "reviews"]}]}

    gw = await harness.gateway({"products": await harness.subgraph("products", products),
                                "reviews": await harness.subgraph("reviews", resolve)})

    status, body = await gw.post("{ topProducts { upc reviews { body } } }")

    assert status == 200
    assert body == {
        "data": {"topProducts": [
            {"upc": "1", "reviews": [{"body": "Sturdy"}]},
            {"upc": "2", "reviews": None},
            {"upc": "3", "reviews": []},
        ]},
        "errors": [{"message": "reviews of 2 are hidden", "path": ["topProducts", 1, "reviews"],
                    "extensions": {"code": DOWNSTREAM_SERVICE_ERROR, "service": "reviews"}}],
    }  # fmt: skip


async def test_entity_errors_inside_lists_keep_their_tail(harness: Harness) -> None:
    # The subgraph nulls the non-null Review.body of the second review of product 2: that review is
    # a non-null list item, so the whole reviews list of product 2 becomes null.
    def resolve(request: SubgraphRequest) -> Any:
        found = [reviews_of(rep) for rep in request.representations]
        found[1] = {"__typename": "Product", "reviews": [{"body": "Soft"}, {"body": None}]}
        return {"data": {"_entities": found},
                "errors": [{"message": "body redacted", "path": ["_entities", 1, "reviews", 1, "body"]}]}

    gw = await harness.gateway({"products": await harness.subgraph("products", products),
                                "reviews": await harness.subgraph("reviews", resolve)})

    status, body = await gw.post("{ topProducts { upc reviews { body } } }")

    assert status == 200
    assert body == {
        "data": {"topProducts": [
            {"upc": "1", "reviews": [{"body": "Sturdy"}]},
            {"upc": "2", "reviews": None},
            {"upc": "3", "reviews": []},
        ]},
        "errors": [{"message": "body redacted", "path": ["topProducts", 1, "reviews", 1, "body"],
                    "extensions": {"code": DOWNSTREAM_SERVICE_ERROR, "service": "reviews"}}],
    }  # fmt: skip


async def test_an_error_on_a_deduplicated_representation_reaches_every_object(harness: Harness) -> None:
    twice = [*PRODUCTS, PRODUCTS[0]]
    reviews = await harness.subgraph("reviews", entities(
        lambda rep: None if rep["upc"] == "1" else reviews_of(rep),
        errors=[{"message": "product 1 has no reviews service", "path": ["_entities", 0],
                 "extensions": {"code": "UNAVAILABLE"}}],
    ))  # fmt: skip
    listing = await harness.subgraph("products", always({"data": {"topProducts": twice}}))
    gw = await harness.gateway({"products": listing, "reviews": reviews})

    status, body = await gw.post("{ topProducts { upc reviews { body } } }")

    assert status == 200
    # Product 1 is sent once; its answer (and its error) goes to both objects.
    assert reviews.requests[0].representations == [{"__typename": "Product", "upc": upc} for upc in "123"]
    assert body == {
        "data": {"topProducts": [
            {"upc": "1", "reviews": None},
            {"upc": "2", "reviews": [{"body": "Soft"}, {"body": "Too soft"}]},
            {"upc": "3", "reviews": []},
            {"upc": "1", "reviews": None},
        ]},
        "errors": [
            {"message": "product 1 has no reviews service", "path": ["topProducts", 0],
             "extensions": {"code": "UNAVAILABLE", "service": "reviews"}},
            {"message": "product 1 has no reviews service", "path": ["topProducts", 3],
             "extensions": {"code": "UNAVAILABLE", "service": "reviews"}},
        ],
    }  # fmt: skip


async def test_entity_errors_without_a_usable_path_are_kept_without_one(harness: Harness) -> None:
    reviews = await harness.subgraph("reviews", entities(reviews_of, errors=[
        {"message": "no path"},
        {"message": "index out of range", "path": ["_entities", 7, "reviews"]},
        {"message": "not an entities path", "path": ["something", 0]},
        "a bare string",
    ]))  # fmt: skip
    gw = await harness.gateway({"products": await harness.subgraph("products", products), "reviews": reviews})

    status, body = await gw.post("{ topProducts { upc reviews { body } } }")

    assert status == 200
    assert body == {
        "data": {"topProducts": [
            {"upc": "1", "reviews": [{"body": "Sturdy"}]},
            {"upc": "2", "reviews": [{"body": "Soft"}, {"body": "Too soft"}]},
            {"upc": "3", "reviews": []},
        ]},
        "errors": [
            {"message": message, "extensions": {"code": DOWNSTREAM_SERVICE_ERROR, "service": "reviews"}}
            for message in ("no path", "index out of range", "not an entities path", "a bare string")
        ],
    }  # fmt: skip


async def test_entity_errors_with_no_data_reach_their_objects(harness: Harness) -> None:
    reviews = await harness.subgraph("reviews", always({"data": None, "errors": [
        {"message": "reviews of 1 failed", "path": ["_entities", 0, "reviews"]},
        {"message": "reviews of 3 failed", "path": ["_entities", 2]},
    ]}))  # fmt: skip
    gw = await harness.gateway({"products": await harness.subgraph("products", products), "reviews": reviews})

    status, body = await gw.post("{ topProducts { upc reviews { body } } }")

    assert status == 200
    assert body == {
        "data": {"topProducts": [{"upc": "1", "reviews": None}, {"upc": "2", "reviews": None},
                                 {"upc": "3", "reviews": None}]},
        "errors": [
            {"message": "reviews of 1 failed", "path": ["topProducts", 0, "reviews"],
             "extensions": {"code": DOWNSTREAM_SERVICE_ERROR, "service": "reviews"}},
            {"message": "reviews of 3 failed", "path": ["topProducts", 2],
             "extensions": {"code": DOWNSTREAM_SERVICE_ERROR, "service": "reviews"}},
        ],
    }  # fmt: skip


async def test_a_graphql_error_body_with_http_500_is_passed_on(harness: Harness) -> None:
    fake = await harness.subgraph("products", always(Raw(500, b'{"errors": [{"message": "database is down", '
                                                              b'"extensions": {"code": "DB_DOWN"}}]}')))
    gw = await harness.gateway({"products": fake, "reviews": await harness.subgraph("reviews", reviews)})

    status, body = await gw.post('{ product(upc: "1") { name } latestReviews { body } }')

    assert status == 200
    assert body == {
        "data": {"product": None, "latestReviews": [{"body": "Soft"}]},
        "errors": [{"message": "database is down", "extensions": {"code": "DB_DOWN", "service": "products"}}],
    }


async def test_errors_that_are_not_a_list_become_one_error(harness: Harness) -> None:
    fake = await harness.subgraph("products", always({"data": {"product": None}, "errors": "something broke"}))
    gw = await harness.gateway({"products": fake, "reviews": harness.refused_url()})

    status, body = await gw.post('{ product(upc: "1") { name } }')

    assert (status, body) == (200, {
        "data": {"product": None},
        "errors": [{"message": "something broke",
                    "extensions": {"code": DOWNSTREAM_SERVICE_ERROR, "service": "products"}}],
    })  # fmt: skip


async def test_entity_error_paths_use_the_clients_aliases(harness: Harness) -> None:
    listing = await harness.subgraph("products", always({"data": {"tp": PRODUCTS[:2]}}))
    reviews_fake = await harness.subgraph("reviews", entities(
        lambda rep: {"__typename": "Product", "r": [{"b": None}] if rep["upc"] == "2" else [{"b": "Sturdy"}]},
        errors=[{"message": "hidden", "path": ["_entities", 1, "r", 0, "b"]}],
    ))  # fmt: skip
    gw = await harness.gateway({"products": listing, "reviews": reviews_fake})

    status, body = await gw.post("{ tp: topProducts { r: reviews { b: body } } }")

    assert status == 200
    assert body == {
        "data": {"tp": [{"r": [{"b": "Sturdy"}]}, {"r": None}]},
        "errors": [{"message": "hidden", "path": ["tp", 1, "r", 0, "b"],
                    "extensions": {"code": DOWNSTREAM_SERVICE_ERROR, "service": "reviews"}}],
    }
