"""Requests refused before any subgraph is called, over HTTP: the status and code of each."""

from __future__ import annotations

import pytest

from federation.errors import (
    BAD_REQUEST,
    GRAPHQL_PARSE_FAILED,
    GRAPHQL_VALIDATION_FAILED,
    METHOD_NOT_ALLOWED,
    OPERATION_RESOLUTION_FAILURE,
)

from .conftest import GatewayUnderTest, Harness
from .fakes import FakeSubgraph
from .shop_data import products, reviews


@pytest.fixture
async def shop(harness: Harness) -> tuple[GatewayUnderTest, list[FakeSubgraph]]:
    fakes = [await harness.subgraph("products", products), await harness.subgraph("reviews", reviews)]
    return await harness.gateway({"products": fakes[0], "reviews": fakes[1]}), fakes


def error(message: str, code: str, **extra: object) -> dict[str, object]:
    return {"errors": [{"message": message, **extra, "extensions": {"code": code}}]}


async def test_get_with_a_mutation_is_405(shop: tuple[GatewayUnderTest, list[FakeSubgraph]]) -> None:
    gw, fakes = shop

    response = await gw.get({"query": 'mutation { addProduct(name: "Lamp") { name } }'})

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json() == error("Can only perform a mutation operation from a POST request.", METHOD_NOT_ALLOWED)
    assert all(fake.requests == [] for fake in fakes)


async def test_get_with_a_query_is_served(shop: tuple[GatewayUnderTest, list[FakeSubgraph]]) -> None:
    gw, _ = shop

    response = await gw.get({"query": 'query P($upc: ID!) { product(upc: $upc) { name } }',
                             "variables": '{"upc": "1"}'})

    assert (response.status_code, response.json()) == (200, {"data": {"product": {"name": "Table"}}})


CASES = [
    pytest.param({"query": '{ product(upc: "1") { name } }', "operationName": "Missing"},
                 error('Unknown operation named "Missing".', OPERATION_RESOLUTION_FAILURE), id="unknown-operation"),
    pytest.param({"query": "query A { latestReviews { body } } query B { latestReviews { rating } }"},
                 error("Must provide operation name if query contains multiple operations.",
                       OPERATION_RESOLUTION_FAILURE), id="ambiguous-operation"),
    pytest.param({"query": '{ product(upc: "1") { name }'},
                 error("Syntax Error: Expected Name, found <EOF>.", GRAPHQL_PARSE_FAILED,
                       locations=[{"line": 1, "column": 29}]), id="parse-error"),
    pytest.param({"query": '{ product(upc: "1") { nam } }'},
                 error("Cannot query field 'nam' on type 'Product'. Did you mean 'name'?", GRAPHQL_VALIDATION_FAILED,
                       locations=[{"line": 1, "column": 23}]), id="validation-error"),
    pytest.param({"query": ""}, error("Must provide query string.", BAD_REQUEST), id="empty-query"),
]


@pytest.mark.parametrize(("payload", "expected"), CASES)
async def test_refused_requests(shop: tuple[GatewayUnderTest, list[FakeSubgraph]], payload: dict[str, object],
                                expected: dict[str, object]) -> None:
    gw, fakes = shop

    response = await gw.client.post(gw.url, json=payload, headers={"accept": "application/graphql-response+json"})

    assert response.status_code == 400
    assert response.json() == expected
    assert all(fake.requests == [] for fake in fakes)


async def test_plain_json_clients_get_200_for_refused_documents(
        shop: tuple[GatewayUnderTest, list[FakeSubgraph]]) -> None:
    gw, _ = shop

    response = await gw.client.post(gw.url, json={"query": "{ nope }"}, headers={"accept": "application/json"})

    assert response.status_code == 200
    assert response.json() == error("Cannot query field 'nope' on type 'Query'.", GRAPHQL_VALIDATION_FAILED,
                                    locations=[{"line": 1, "column": 3}])


async def test_an_operation_type_the_schema_lacks_is_a_validation_error(
        shop: tuple[GatewayUnderTest, list[FakeSubgraph]]) -> None:
    gw, _ = shop

    response = await gw.client.post(gw.url, json={"query": "subscription { latestReviews { body } }"},
                                    headers={"accept": "application/graphql-response+json"})

    assert response.status_code == 400
    assert response.json() == error("Schema is not configured to execute subscription operation.",
                                    GRAPHQL_VALIDATION_FAILED)
