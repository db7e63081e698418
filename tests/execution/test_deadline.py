"""The request deadline (``traffic.request_timeout``) over real HTTP on 127.0.0.1: when it passes,
the answer has the data that arrived and an error per fetch that did not finish, on time, with
status 200, and the connections of the cancelled calls are closed and their places freed."""

from __future__ import annotations

import asyncio
import time

from federation.config import GatewayConfig, SubgraphConfig, TrafficConfig
from federation.errors import REQUEST_DEADLINE_EXCEEDED
from federation.execution.transport import LeanTransport

from .conftest import GatewayUnderTest, Harness
from .fakes import Hang, Reply, SubgraphRequest, always
from .shop_data import products, reviews

SLACK_S = 0.5  # scheduling on a shared 2-core machine


def unfinished(path: list[str | int] | None = None) -> dict[str, object]:
    error: dict[str, object] = {"message": "subgraph 'reviews' did not answer before the request's deadline"}
    if path is not None:
        error["path"] = path
    error["extensions"] = {"code": REQUEST_DEADLINE_EXCEEDED, "service": "reviews"}
    return error


def open_connections(gw: GatewayUnderTest, graph: str) -> int:
    [replica] = gw.gateway._state.client.replicas(graph)
    assert isinstance(replica.transport, LeanTransport)
    return replica.transport.open_connections


async def test_at_the_deadline_the_answer_has_what_arrived_and_an_error_per_unfinished_fetch(
        harness: Harness) -> None:
    # The subgraph's own timeout is far longer: the deadline caps it.
    config = GatewayConfig(traffic=TrafficConfig(request_timeout=0.5),
                           subgraphs={"reviews": SubgraphConfig(timeout=30.0)})
    slow = await harness.subgraph("reviews", always(Hang()))
    gw = await harness.gateway({"products": await harness.subgraph("products", products), "reviews": slow},
                               config=config)

    started = time.monotonic()
    status, body = await gw.post("{ topProducts { upc reviews { body } } }")
    took = time.monotonic() - started

    assert status == 200
    assert body == {
        "data": {"topProducts": [{"upc": "1", "reviews": None}, {"upc": "2", "reviews": None},
                                 {"upc": "3", "reviews": None}]},
        "errors": [unfinished(["topProducts"])],
    }
    assert 0.45 < took < 0.5 + SLACK_S
    assert open_connections(gw, "REVIEWS") == 0  # the hanging call's connection was closed
    assert len(slow.requests) == 1  # and not sent again: there was no time left


async def test_a_root_fetch_cut_off_by_the_deadline_names_its_field(harness: Harness) -> None:
    config = GatewayConfig(traffic=TrafficConfig(request_timeout=0.4))
    gw = await harness.gateway({"products": await harness.subgraph("products", products),
                                "reviews": await harness.subgraph("reviews", always(Hang()))}, config=config)

    status, body = await gw.post('{ product(upc: "1") { name } latestReviews { body } }')

    assert status == 200
    assert body == {"data": {"product": {"name": "Table"}, "latestReviews": None},
                    "errors": [unfinished(["latestReviews"])]}


async def test_a_fetch_still_waiting_in_the_queue_at_the_deadline_gives_its_place_back(harness: Harness) -> None:
    # One connection allowed: the first request holds it (hanging), the others queue behind it.
    hold = asyncio.Event()

    async def handle(request: SubgraphRequest) -> Reply:
        if request.representations:
            await asyncio.wait_for(hold.wait(), 10.0)
        return reviews(request)

    config = GatewayConfig(traffic=TrafficConfig(request_timeout=0.5),
                           subgraphs={"reviews": SubgraphConfig(max_connections=1)})
    gw = await harness.gateway({"products": await harness.subgraph("products", products),
                                "reviews": await harness.subgraph("reviews", handle)}, config=config)

    answers = await asyncio.gather(*(gw.post("{ topProducts { reviews { body } } }") for _ in range(5)))

    assert {status for status, _ in answers} == {200}
    assert all(body["errors"][0]["extensions"]["code"] == REQUEST_DEADLINE_EXCEEDED for _, body in answers)
    assert open_connections(gw, "REVIEWS") == 0
    hold.set()
    # The subgraph is used again at once: nothing of the cut-off calls is left in the pool.
    assert await gw.post("{ latestReviews { body } }") == (200, {"data": {"latestReviews": [{"body": "Soft"}]}})


async def test_without_trouble_the_deadline_changes_nothing(harness: Harness) -> None:
    gw = await harness.gateway({"products": await harness.subgraph("products", products),
                                "reviews": await harness.subgraph("reviews", reviews)},
                               config=GatewayConfig(traffic=TrafficConfig(request_timeout=5.0)))
    status, body = await gw.post("{ topProducts { upc reviews { body } } }")
    assert status == 200 and "errors" not in body
