"""Static cost (IBM cost spec as Apollo applies it), the actual cost of a response, enforcement."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import build_schema, parse

from federation.errors import COST_ESTIMATED_TOO_EXPENSIVE, RequestError
from federation.policies.actual_cost import actual_cost
from federation.policies.cost import CostEstimator, enforce_cost, estimate_cost, plan_extra_cost
from federation.policies.directives import read_directives
from tests.policies.schemas import METADATA, SCHEMA


def cost(query: str, variables: dict[str, Any] | None = None, default_list_size: int = 10) -> float:
    return estimate_cost(SCHEMA, METADATA, parse(query), None, variables, default_list_size=default_list_size)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("{ ping }", 0),  # scalars cost 0
        ("{ user(id: 1) { name } }", 1),  # objects cost 1
        ("{ user(id: 1) { reviews { body } } }", 1 + 10 * 1),  # default list size 10
        ("{ users(first: 5) { name } }", 5),  # slicing argument
        ("{ users(first: 5, last: 8) { name } }", 8),  # the largest slicing argument
        ("{ products { title } }", 5),  # assumedSize
        ("{ products { price } }", 5 * (1 + 3)),  # @cost on a field
        ("{ expensive }", 50),
        (
            "{ user(id: 1) { friends(first: 3) { edges { node { name } } } } }",
            1 + 1 + 3 * (1 + 1),
        ),  # sizedFields
        ('mutation { addReview(body: "x") { body } }', 10),  # mutation root fields cost 10
        ('mutation { addReview(body: "x") { author { name } } }', 10 + 1),
        ("{ node(id: 1) { ... on User { name } ... on Product { title } } }", 1),
        ('{ search(text: "x") { ... on User { reviews { body } } } }', 10 * (1 + 10)),
    ],
)
def test_static_cost(query: str, expected: float) -> None:
    assert cost(query) == expected


def test_variables_feed_slicing_arguments() -> None:
    assert cost("query($n: Int) { users(first: $n) { id } }", {"n": 7}) == 7
    # Missing variable: fall back to the default list size.
    assert cost("query($n: Int) { users(first: $n) { id } }", {}) == 10


def test_default_list_size_is_configurable() -> None:
    assert cost("{ user(id: 1) { reviews { body } } }", default_list_size=3) == 1 + 3


def test_skipped_fields_cost_nothing() -> None:
    assert cost("{ expensive @skip(if: true) ping }") == 0
    assert cost("query($i: Boolean) { expensive @include(if: $i) }", {"i": False}) == 0


def test_fragments_are_counted_once_per_use() -> None:
    query = "{ a: user(id: 1) { ...F } b: user(id: 2) { ...F } } fragment F on User { reviews { body } }"
    assert cost(query) == 2 * (1 + 10)


def test_argument_and_input_field_weights() -> None:
    sdl = """
    input Filter { term: String @cost(weight: 3) nested: Filter }
    type Query { search(filter: Filter @cost(weight: 7), page: Int): Int }
    """
    schema = build_schema(
        "directive @cost(weight: Int!) on ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION | FIELD_DEFINITION\n" + sdl
    )
    meta = read_directives(sdl)
    assert estimate_cost(schema, meta, parse("{ search }"), None) == 0
    assert estimate_cost(schema, meta, parse('{ search(filter: {term: "a"}) }'), None) == 7 + 3
    query = '{ search(filter: {term: "a", nested: {term: "b"}}) }'
    assert estimate_cost(schema, meta, parse(query), None) == 7 + 3 + 3


def test_requires_selections_are_costed() -> None:
    sdl = """
    type Query { products: [Product] @listSize(assumedSize: 2) }
    type Product {
      id: ID!
      shipping: Int @join__field(graph: B, requires: "dimensions { size }")
      dimensions: Dim
    }
    type Dim { size: Int }
    """
    schema = build_schema(
        """
        directive @listSize(assumedSize: Int) on FIELD_DEFINITION
        directive @join__field(graph: String, requires: String) repeatable on FIELD_DEFINITION
        enum join__Graph { B }
        scalar join__FieldSet
        """
        + sdl.replace("graph: B", 'graph: "B"')
    )
    meta = read_directives(sdl)
    # each product: 1, plus its required `dimensions` object: 1
    assert estimate_cost(schema, meta, parse("{ products { shipping } }"), None) == 2 * (1 + 1)


def test_plan_extra_cost_counts_entity_fetches() -> None:
    assert plan_extra_cost(0) == 0
    assert plan_extra_cost(3) == 3


def test_enforce_cost() -> None:
    enforce_cost(10, None)
    enforce_cost(10, 10)
    with pytest.raises(RequestError) as info:
        enforce_cost(11, 10)
    assert info.value.code == COST_ESTIMATED_TOO_EXPENSIVE
    assert info.value.status == 400
    assert info.value.graphql_errors()[0]["extensions"]["cost"] == {"estimated": 11, "max": 10}


def test_fragment_bomb_is_estimated_quickly_and_merged() -> None:
    fragments = "".join(f"fragment F{i} on User {{ ...F{i + 1} ...F{i + 1} }}" for i in range(60))
    query = "{ user(id: 1) { ...F0 } } " + fragments + " fragment F60 on User { reviews { body } }"
    assert cost(query) == 1 + 10


def test_actual_cost_counts_what_came_back() -> None:
    estimator = CostEstimator(SCHEMA, METADATA)
    query = parse("{ users(first: 10) { name reviews { body } } ping }")
    data = {"users": [{"name": "a", "reviews": [{"body": "x"}]}, {"name": "b", "reviews": []}], "ping": "p"}
    assert actual_cost(estimator, query, None, {}, data) == 2 + 1
    assert actual_cost(estimator, query, None, {}, {"users": None}) == 0


def test_actual_cost_applies_fragments_by_typename() -> None:
    estimator = CostEstimator(SCHEMA, METADATA)
    query = parse('{ search(text: "x") { ... on Product { price } ... on User { name } } }')
    data = {"search": [{"__typename": "Product", "price": 3}, {"__typename": "User", "name": "n"}]}
    assert actual_cost(estimator, query, None, {}, data) == (1 + 3) + 1


def test_require_one_slicing_argument_is_reported() -> None:
    estimator = CostEstimator(SCHEMA, METADATA)
    _, ok = estimator.estimate_checked(parse("{ users(first: 5) { name } }"), None)
    assert ok == []
    _, several = estimator.estimate_checked(parse("{ users(first: 5, last: 8) { name } }"), None)
    assert several and "exactly one" in several[0]
    _, none = estimator.estimate_checked(parse("{ users { name } }"), None)
    assert none and "needs one of" in none[0]
