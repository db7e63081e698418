"""Subgraph data checked against the API schema: a null where the schema forbids one propagates to
the nearest nullable parent (GraphQL spec 6.4.4), and enum values clients cannot see become null."""

from __future__ import annotations

from typing import Any

from federation.errors import (
    DOWNSTREAM_SERVICE_ERROR,
    INVALID_ENUM_VALUE,
    NON_NULL_VIOLATION,
    SUBREQUEST_MALFORMED_RESPONSE,
)

from .conftest import GatewayUnderTest, Harness
from .fakes import Reply, always, entities
from .shop_data import PRODUCTS, reviews


async def shop(harness: Harness, products: Reply, reviews_handler: Any = reviews) -> GatewayUnderTest:
    return await harness.gateway({"products": await harness.subgraph("products", always(products)),
                                  "reviews": await harness.subgraph("reviews", reviews_handler)})


def null_error(type_field: str, path: list[str | int]) -> dict[str, Any]:
    return {"message": f"Cannot return null for non-nullable field {type_field}.", "path": path,
            "extensions": {"code": NON_NULL_VIOLATION}}


async def test_a_null_non_null_field_nulls_its_nullable_parent(harness: Harness) -> None:
    gw = await shop(harness, {"data": {"product": {"__typename": "Product", "name": "Table", "price": None}}})

    response = await gw.execute('{ product(upc: "1") { name price } latestReviews { body } }')

    assert response.status == 200
    assert response.body == {
        "data": {"product": None, "latestReviews": [{"body": "Soft"}]},
        "errors": [null_error("Product.price", ["product", "price"])],
    }


async def test_a_null_reaching_a_non_null_root_field_nulls_data(harness: Harness) -> None:
    listing = [PRODUCTS[0], {**PRODUCTS[1], "price": None}, PRODUCTS[2]]
    gw = await shop(harness, {"data": {"topProducts": listing}})

    response = await gw.execute("{ topProducts { name price } }")

    assert response.body == {"data": None, "errors": [null_error("Product.price", ["topProducts", 1, "price"])]}


async def test_a_null_in_a_non_null_list_item_nulls_the_list(harness: Harness) -> None:
    gw = await shop(harness, {"data": {"product": {**PRODUCTS[0], "tags": ["wood", None, "oak"]}}})

    response = await gw.execute('{ product(upc: "1") { name tags } }')

    assert response.body == {
        "data": {"product": {"name": "Table", "tags": None}},
        "errors": [null_error("Product.tags", ["product", "tags", 1])],
    }


async def test_a_null_item_from_an_entity_subgraph(harness: Harness) -> None:
    # Review.body is non-null and reviews are non-null items of a nullable list.
    gw = await shop(harness, {"data": {"topProducts": PRODUCTS[:2]}}, entities(lambda rep: {
        "__typename": "Product", "reviews": [{"body": "ok"}, {"body": None}] if rep["upc"] == "2" else [],
    }))  # fmt: skip

    response = await gw.execute("{ topProducts { upc reviews { body } } }")

    assert response.body == {
        "data": {"topProducts": [{"upc": "1", "reviews": []}, {"upc": "2", "reviews": None}]},
        "errors": [null_error("Review.body", ["topProducts", 1, "reviews", 1, "body"])],
    }


async def test_a_nullable_root_field_that_is_null_keeps_the_others(harness: Harness) -> None:
    gw = await shop(harness, {"data": {"product": None}})

    response = await gw.execute('{ product(upc: "404") { name price } latestReviews { body rating } }')

    assert response.body == {"data": {"product": None, "latestReviews": [{"body": "Soft", "rating": 4}]}}


async def test_a_missing_field_counts_as_null(harness: Harness) -> None:
    gw = await shop(harness, {"data": {"product": {"__typename": "Product", "name": "Table"}}})

    response = await gw.execute('{ product(upc: "1") { name price } }')

    assert response.body == {"data": {"product": None}, "errors": [null_error("Product.price", ["product", "price"])]}


async def test_an_inaccessible_enum_value_becomes_null(harness: Harness) -> None:
    listing = [{**PRODUCTS[0], "category": "BOOKS"}, {**PRODUCTS[1], "category": "SECRET"},
               {**PRODUCTS[2], "category": "GARDEN"}]
    gw = await shop(harness, {"data": {"topProducts": listing}})

    response = await gw.execute("{ topProducts { name category } }")

    assert response.body == {
        "data": {"topProducts": [
            {"name": "Table", "category": "BOOKS"},
            {"name": "Couch", "category": None},
            {"name": "Chair", "category": None},
        ]},
        "errors": [
            {"message": "Enum value 'SECRET' is not valid for Product.category", "path": ["topProducts", 1, "category"],
             "extensions": {"code": INVALID_ENUM_VALUE}},
            {"message": "Enum value 'GARDEN' is not valid for Product.category", "path": ["topProducts", 2, "category"],
             "extensions": {"code": INVALID_ENUM_VALUE}},
        ],
    }  # fmt: skip


async def test_a_null_violation_is_reported_even_when_another_subgraph_failed(harness: Harness) -> None:
    failing = always({"data": {"latestReviews": None},
                      "errors": [{"message": "reviews are down", "path": ["latestReviews"]}]})
    gw = await shop(harness, {"data": {"product": {"__typename": "Product", "name": "Table", "price": None}}},
                    failing)

    response = await gw.execute('{ product(upc: "1") { name price } latestReviews { body } }')

    # Nothing in the reviews error explains why product is null: the violation needs its own error.
    assert response.body == {
        "data": {"product": None, "latestReviews": None},
        "errors": [
            {"message": "reviews are down", "path": ["latestReviews"],
             "extensions": {"code": DOWNSTREAM_SERVICE_ERROR, "service": "reviews"}},
            null_error("Product.price", ["product", "price"]),
        ],
    }  # fmt: skip


async def test_every_null_violation_is_reported(harness: Harness) -> None:
    priceless = {"__typename": "Product", "name": "Table", "price": None}
    gw = await shop(harness, {"data": {"a": priceless, "b": priceless}})

    response = await gw.execute('{ a: product(upc: "1") { price } b: product(upc: "2") { price } }')

    assert response.body == {
        "data": {"a": None, "b": None},
        "errors": [null_error("Product.price", ["a", "price"]), null_error("Product.price", ["b", "price"])],
    }


async def test_a_non_null_root_field_answered_null_nulls_data(harness: Harness) -> None:
    gw = await shop(harness, {"data": {"topProducts": None}})

    response = await gw.execute("{ topProducts { name } latestReviews { body } }")

    assert response.body == {"data": None, "errors": [null_error("Query.topProducts", ["topProducts"])]}


async def test_a_value_of_the_wrong_shape_is_null_with_an_error(harness: Harness) -> None:
    gw = await shop(harness, {"data": {"product": "not an object", "topProducts": {"upc": "1"}}})

    response = await gw.execute('{ product(upc: "1") { name } topProducts { name } }')

    assert response.body == {
        "data": None,
        "errors": [
            {"message": "A subgraph answered Query.product with something other than an object.",
             "path": ["product"], "extensions": {"code": SUBREQUEST_MALFORMED_RESPONSE}},
            {"message": "A subgraph answered Query.topProducts with something other than a list.",
             "path": ["topProducts"], "extensions": {"code": SUBREQUEST_MALFORMED_RESPONSE}},
        ],
    }  # fmt: skip
