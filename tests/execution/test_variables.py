"""Variables: defaults reach the subgraphs, and @skip/@include on a variable leave out whole fetches
(the subgraph sees no request at all)."""

from __future__ import annotations

from federation.errors import BAD_USER_INPUT

from .conftest import GatewayUnderTest, Harness
from .fakes import FakeSubgraph
from .shop_data import products, reviews

NAMES = [{"name": "Table"}, {"name": "Couch"}, {"name": "Chair"}]


async def shop(harness: Harness) -> tuple[GatewayUnderTest, FakeSubgraph, FakeSubgraph]:
    p = await harness.subgraph("products", products)
    r = await harness.subgraph("reviews", reviews)
    return await harness.gateway({"products": p, "reviews": r}), p, r


async def test_variable_defaults_are_sent_to_the_subgraph(harness: Harness) -> None:
    gw, p, _ = await shop(harness)

    status, body = await gw.post("query Top($first: Int = 2) { topProducts(first: $first) { name } }")

    assert (status, body) == (200, {"data": {"topProducts": NAMES}})
    assert [r.variables for r in p.requests] == [{"first": 2}]


async def test_given_values_win_over_defaults_and_null_is_kept(harness: Harness) -> None:
    gw, p, _ = await shop(harness)
    query = "query Top($first: Int = 2) { topProducts(first: $first) { name } }"

    assert await gw.post(query, {"first": 7}) == (200, {"data": {"topProducts": NAMES}})
    assert await gw.post(query, {"first": None}) == (200, {"data": {"topProducts": NAMES}})

    assert [r.variables for r in p.requests] == [{"first": 7}, {"first": None}]


async def test_skip_on_a_variable_leaves_out_the_entity_fetch(harness: Harness) -> None:
    gw, p, r = await shop(harness)
    query = "query Q($skip: Boolean!) { topProducts { name reviews @skip(if: $skip) { body } } }"

    status, body = await gw.post(query, {"skip": True})

    assert (status, body) == (200, {"data": {"topProducts": NAMES}})
    assert len(p.requests) == 1
    assert r.requests == []

    status, body = await gw.post(query, {"skip": False})

    assert status == 200
    assert body["data"]["topProducts"][1] == {"name": "Couch", "reviews": [{"body": "Soft"}, {"body": "Too soft"}]}
    assert len(r.requests) == 1


async def test_include_on_a_variable_leaves_out_the_root_fetch(harness: Harness) -> None:
    gw, p, r = await shop(harness)
    query = """
      query Q($withProducts: Boolean! = false) {
        topProducts @include(if: $withProducts) { name }
        latestReviews { body }
      }
    """

    assert await gw.post(query) == (200, {"data": {"latestReviews": [{"body": "Soft"}]}})
    assert p.requests == []
    assert len(r.requests) == 1

    assert await gw.post(query, {"withProducts": True}) == (
        200, {"data": {"topProducts": NAMES, "latestReviews": [{"body": "Soft"}]}})
    assert len(p.requests) == 1


async def test_skip_on_a_fragment_of_the_whole_operation_sends_nothing(harness: Harness) -> None:
    gw, p, r = await shop(harness)
    query = "query Q($s: Boolean!) { ... @skip(if: $s) { topProducts { name } latestReviews { body } } }"

    assert await gw.post(query, {"s": True}) == (200, {"data": {}})
    assert p.requests == []
    assert r.requests == []


async def test_a_missing_required_variable_is_refused_before_any_fetch(harness: Harness) -> None:
    gw, p, r = await shop(harness)

    status, body = await gw.post('query Q($upc: ID!) { product(upc: $upc) { name } }', {})

    assert status == 400
    assert body == {"errors": [{
        "message": "Variable '$upc' of required type 'ID!' was not provided.",
        "locations": [{"line": 1, "column": 9}],
        "extensions": {"code": BAD_USER_INPUT},
    }]}  # fmt: skip
    assert p.requests == r.requests == []
