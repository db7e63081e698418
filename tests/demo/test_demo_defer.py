"""The demo's slow field, deferred: ``Product.deliveryEstimate`` (inventory) takes about a second, so
the products arrive first and the estimates follow in a later part."""

from __future__ import annotations

import time

import httpx

from tests.execution.test_defer import MULTIPART, read_parts

from .subgraphs import DemoSubgraphs
from .test_demo_gateway import StartGateway, start_gateway  # noqa: F401  (the fixture)

QUERY = '{ topProducts(first: 2) { name ... @defer(label: "delivery") { deliveryEstimate } } }'


async def test_delivery_estimates_follow_the_products(demo_subgraphs: DemoSubgraphs,
                                                      start_gateway: StartGateway) -> None:  # noqa: F811
    url = await start_gateway(demo_subgraphs.supergraph_sdl())
    arrived: list[tuple[float, dict[str, object]]] = []
    async with httpx.AsyncClient(timeout=10) as client, \
            client.stream("POST", url, json={"query": QUERY}, headers={"accept": MULTIPART}) as response:
        assert response.headers["content-type"].startswith("multipart/mixed")
        async for part in read_parts(response):
            arrived.append((time.monotonic(), part))

    (first_at, first), *rest = arrived
    assert first == {"data": {"topProducts": [{"name": "Mechanical Keyboard"}, {"name": "27-inch Monitor"}]},
                     "hasNext": True}
    entries = [e for _, p in rest for e in p.get("incremental", [])]  # type: ignore[attr-defined]
    assert entries == [{"data": {"deliveryEstimate": "in 2 days"}, "path": ["topProducts", i], "label": "delivery"}
                       for i in range(2)]
    # The estimates took the carrier's second after the products were sent (a lower bound: load only adds).
    assert rest[-1][0] - first_at >= 0.5
