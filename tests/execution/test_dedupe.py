"""In-flight deduplication: identical query fetches running at the same moment share one subgraph
call (real HTTP on 127.0.0.1), and each caller still gets an answer, or an error, of its own."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import pytest

from federation.config import GatewayConfig, ResponseHeadersConfig, SubgraphConfig
from federation.config_loader import load_config
from federation.errors import REQUEST_DEADLINE_EXCEEDED, SUBREQUEST_HTTP_ERROR, ConfigError, FetchFailure
from federation.execution.fetcher import SubgraphClient, SubgraphEndpoint

from .conftest import ACCEPT, Harness
from .fakes import Handler, Raw, Reply, SubgraphRequest, WithHeaders, always, entities
from .test_batching import TYPES, expected_product, name_of, product, reviews_of

# Long enough for every concurrent caller to reach the fetch while the first call is in flight.
SLOW_S = 0.3
QUERY = "{ topProducts { upc reviews { body author { name } } } }"
UPCS = ["1", "2", "3"]
ANSWER = {"data": {"topProducts": [expected_product(u) for u in UPCS]}}
PRODUCTS = {"data": {"topProducts": [product(u) for u in UPCS]}}
DOC = "query P($first: Int) { topProducts(first: $first) { upc name } }"


def slow(handler: Handler, seconds: float = SLOW_S) -> Handler:
    async def handle(request: SubgraphRequest) -> Reply:
        await asyncio.sleep(seconds)
        return handler(request)

    return handle


def gated(gate: asyncio.Event, reply: Reply) -> Handler:
    async def handle(request: SubgraphRequest) -> Reply:
        await asyncio.wait_for(gate.wait(), 10)
        return reply

    return handle


@pytest.fixture
async def client_of(harness: Harness) -> AsyncIterator[list[SubgraphClient]]:
    clients: list[SubgraphClient] = []
    yield clients
    for client in clients:
        await client.aclose()


def client_for(clients: list[SubgraphClient], url: str, **settings: Any) -> SubgraphClient:
    client = SubgraphClient({"PRODUCTS": SubgraphEndpoint("products", (url,), **settings)})
    clients.append(client)
    return client


def fetch(client: SubgraphClient, variables: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
          **kwargs: Any) -> Awaitable[dict[str, Any]]:
    return client.request("PRODUCTS", DOC, variables, "P", headers, **kwargs)


async def shop(harness: Harness, config: GatewayConfig | None = None, products: Reply = PRODUCTS) -> tuple[Any, ...]:
    products_fake = await harness.subgraph("products", slow(always(products)))
    reviews_fake = await harness.subgraph("reviews", slow(entities(reviews_of)))
    accounts_fake = await harness.subgraph("accounts", slow(entities(name_of)))
    gw = await harness.gateway({"accounts": accounts_fake, "products": products_fake, "reviews": reviews_fake},
                               TYPES, config)
    return gw, products_fake, reviews_fake, accounts_fake


async def post_all(harness: Harness, url: str, count: int, headers: dict[str, str] | None = None) -> list[Any]:
    async def one(i: int) -> Any:
        # Each client with its own token, which is not forwarded to subgraphs.
        response = await harness.client.post(url, json={"query": QUERY},
                                             headers={"accept": ACCEPT, "authorization": f"Bearer t{i}",
                                                      **(headers or {})})
        assert response.status_code == 200
        return response.json()

    return await asyncio.gather(*(one(i) for i in range(count)))


async def test_concurrent_identical_requests_make_one_call_per_fetch(harness: Harness) -> None:
    gw, *fakes = await shop(harness)

    answers = await post_all(harness, gw.url, 20)

    assert answers == [ANSWER] * 20
    # The root fetch and both entity fetches (their `_entities` bodies are the same bytes) fold.
    assert [len(fake.requests) for fake in fakes] == [1, 1, 1]
    assert gw.gateway.metrics.subgraph_deduplicated.values == {
        (("subgraph", name),): 19.0 for name in ("products", "reviews", "accounts")}
    assert sum(gw.gateway.metrics.subgraph_requests.values.values()) == 60  # fetches, shared or not
    scrape = (await harness.client.get(gw.url.replace("/graphql", "/metrics"))).text
    assert 'federation_subgraph_deduplicated_total{subgraph="reviews"} 19' in scrape


async def test_one_answer_is_each_callers_own(harness: Harness, client_of: list[SubgraphClient]) -> None:
    fake = await harness.subgraph("products", slow(always(PRODUCTS)))
    client = client_for(client_of, fake.url)

    answers = await asyncio.gather(*(fetch(client, {"first": 3}) for _ in range(5)))

    assert len(fake.requests) == 1
    assert answers == [PRODUCTS] * 5
    first, *others = answers
    first["data"]["topProducts"][0]["upc"] = "changed"  # as the executor merges into what it got
    first["data"]["extra"] = True
    assert all(answer == PRODUCTS for answer in others)
    assert len({id(answer["data"]["topProducts"][0]) for answer in answers}) == 5


async def test_other_variables_or_headers_make_calls_of_their_own(harness: Harness,
                                                                  client_of: list[SubgraphClient]) -> None:
    fake = await harness.subgraph("products", slow(always(PRODUCTS)))
    client = client_for(client_of, fake.url)

    await asyncio.gather(
        fetch(client, {"first": 1}), fetch(client, {"first": 2}), fetch(client, {"first": 2}),
        fetch(client, {"first": 2}, {"x-user": "a"}), fetch(client, {"first": 2}, {"x-user": "b"}),
        # The same headers in another order are the same request.
        fetch(client, {"first": 2}, {"x-user": "a", "x-tenant": "t"}),
        fetch(client, {"first": 2}, {"x-tenant": "t", "x-user": "a"}))

    sent = sorted((r.variables["first"], r.headers.get("x-user", ""), r.headers.get("x-tenant", ""))
                  for r in fake.requests)
    assert sent == [(1, "", ""), (2, "", ""), (2, "a", ""), (2, "a", "t"), (2, "b", "")]


async def test_mutations_are_never_folded(harness: Harness, client_of: list[SubgraphClient]) -> None:
    fake = await harness.subgraph("products", slow(always({"data": {"addProduct": {"name": "Lamp"}}})))
    gw = await harness.gateway({"products": fake, "reviews": harness.refused_url()})
    client = client_for(client_of, fake.url)

    await asyncio.gather(*(fetch(client, idempotent=False) for _ in range(3)))
    bodies = await asyncio.gather(*(gw.post('mutation { addProduct(name: "Lamp") { name } }') for _ in range(3)))

    assert bodies == [(200, {"data": {"addProduct": {"name": "Lamp"}}})] * 3
    assert len(fake.requests) == 6


async def test_a_caller_that_leaves_does_not_cut_the_call_short_for_the_others(
        harness: Harness, client_of: list[SubgraphClient]) -> None:
    gate = asyncio.Event()
    fake = await harness.subgraph("products", gated(gate, PRODUCTS))
    client = client_for(client_of, fake.url)
    started, *joined = [asyncio.create_task(fetch(client)) for _ in range(3)]
    await asyncio.wait_for(fake.arrived.wait(), 5)

    started.cancel()  # the caller whose call it is leaves (its client went away)
    await asyncio.sleep(0.05)
    gate.set()

    assert await asyncio.gather(*joined) == [PRODUCTS] * 2
    assert started.cancelled()
    assert len(fake.requests) == 1


async def test_the_last_caller_leaving_cancels_the_call(harness: Harness, client_of: list[SubgraphClient]) -> None:
    gate = asyncio.Event()
    fake = await harness.subgraph("products", gated(gate, PRODUCTS))
    client = client_for(client_of, fake.url)
    callers = [asyncio.create_task(fetch(client)) for _ in range(2)]
    await asyncio.wait_for(fake.arrived.wait(), 5)

    for caller in callers:
        caller.cancel()
    await asyncio.gather(*callers, return_exceptions=True)
    gate.set()

    # Nobody waits for that call any more: the next fetch makes a call of its own.
    assert await fetch(client) == PRODUCTS
    assert len(fake.requests) == 2
    assert len(fake.connections) == 2  # the cancelled call's connection was closed, not reused


async def test_each_caller_keeps_its_own_deadline(harness: Harness, client_of: list[SubgraphClient]) -> None:
    fake = await harness.subgraph("products", slow(always(PRODUCTS), 0.3))
    client = client_for(client_of, fake.url)

    async def soon() -> Any:
        with pytest.raises(FetchFailure) as failure:
            await fetch(client, deadline=time.monotonic() + 0.05)
        return failure.value.code

    # The caller that starts the call is in a hurry: the call runs within its deadline, as it would
    # alone. One that joins it has time: when the call runs out of the first one's time, it fetches
    # again, and one more caller in a hurry joins that second call and leaves at its own deadline.
    first = asyncio.create_task(soon())
    await asyncio.sleep(0.01)
    patient = asyncio.create_task(fetch(client, deadline=time.monotonic() + 5))
    await asyncio.sleep(0.01)
    third = asyncio.create_task(soon())

    assert await first == await third == REQUEST_DEADLINE_EXCEEDED
    assert await patient == PRODUCTS
    assert len(fake.requests) == 2


async def test_a_failure_is_every_callers_own_error(harness: Harness, client_of: list[SubgraphClient]) -> None:
    fake = await harness.subgraph("products", slow(always(Raw(503, b"down")), 0.1))
    client = client_for(client_of, fake.url)

    outcomes = await asyncio.gather(*(fetch(client) for _ in range(5)), return_exceptions=True)

    assert all(isinstance(o, FetchFailure) and o.code == SUBREQUEST_HTTP_ERROR for o in outcomes)
    assert len({id(o) for o in outcomes}) == 5
    assert {str(o) for o in outcomes} == {"subgraph 'products' answered HTTP 503"}
    assert len(fake.requests) == 2  # one fetch: its attempt and one retry, for all five callers


async def test_failures_reach_every_request_as_errors(harness: Harness) -> None:
    gw, products, *_ = await shop(harness, products=Raw(503, b"down"))

    answers = await post_all(harness, gw.url, 5)

    assert answers == [{"data": None, "errors": [{
        "message": "subgraph 'products' answered HTTP 503",
        "extensions": {"code": SUBREQUEST_HTTP_ERROR, "service": "products"}}]}] * 5
    assert len(products.requests) == 2


@pytest.mark.parametrize("config", [
    GatewayConfig(subgraph_defaults=SubgraphConfig(dedupe=False)),
    # Answer headers passed on are never shared: a Set-Cookie is for one client.
    GatewayConfig(subgraph_defaults=SubgraphConfig(response_headers=ResponseHeadersConfig(propagate=("set-cookie",)))),
], ids=["off", "answer-headers"])
async def test_off_every_request_makes_its_calls(harness: Harness, config: GatewayConfig) -> None:
    gw, *fakes = await shop(harness, config)

    assert await post_all(harness, gw.url, 5) == [ANSWER] * 5
    assert [len(fake.requests) for fake in fakes] == [5, 5, 5]
    assert not gw.gateway.metrics.subgraph_deduplicated.values


async def test_on_for_one_subgraph_off_for_the_rest(harness: Harness) -> None:
    config = GatewayConfig(subgraph_defaults=SubgraphConfig(dedupe=False),
                           subgraphs={"reviews": SubgraphConfig(dedupe=True)})
    gw, *fakes = await shop(harness, config)

    assert await post_all(harness, gw.url, 5) == [ANSWER] * 5
    assert [len(fake.requests) for fake in fakes] == [5, 1, 5]


async def test_a_set_cookie_reaches_only_its_own_client(harness: Harness) -> None:
    calls = iter(range(100))
    products = await harness.subgraph("products", slow(lambda _: WithHeaders(PRODUCTS, (
        ("set-cookie", f"session={next(calls)}"),))))
    config = GatewayConfig(subgraphs={"products": SubgraphConfig(
        response_headers=ResponseHeadersConfig(propagate=("set-cookie",)))})
    gw = await harness.gateway({"accounts": harness.refused_url(), "products": products,
                               "reviews": harness.refused_url()}, TYPES, config)

    async def cookie() -> str | None:
        response = await harness.client.post(gw.url, json={"query": "{ topProducts { upc } }"},
                                             headers={"accept": ACCEPT})
        return response.headers.get("set-cookie")

    cookies = await asyncio.gather(*(cookie() for _ in range(3)))
    assert sorted(cookies, key=str) == ["session=0", "session=1", "session=2"]


def test_dedupe_is_read_by_the_config_decoder(tmp_path: Any) -> None:
    path = tmp_path / "gateway.yaml"
    path.write_text("subgraph_defaults: {dedupe: false}\nsubgraphs: {reviews: {dedupe: true}, products: {}}\n")
    config = load_config(path, environ={})
    assert [config.subgraph(n).dedupe for n in ("reviews", "products", "accounts")] == [True, False, False]
    assert GatewayConfig().subgraph("reviews").dedupe is None  # unset: on

    with pytest.raises(ConfigError, match=r"subgraphs\.reviews\.dedupe: expected a boolean, got str 'yes'"):
        load_config(None, environ={"FEDERATION_SUBGRAPHS__REVIEWS__DEDUPE": "'yes'"})
