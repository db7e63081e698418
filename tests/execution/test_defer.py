"""@defer against running subgraphs: the primary part is answered before the deferred fetches finish,
then each deferred part arrives in the ``incremental`` format (multipart/mixed), one entry per object
it completes; a client that takes only JSON gets everything in one answer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson

from .conftest import GatewayUnderTest, Harness
from .fakes import Reply, SubgraphRequest
from .shop_data import REVIEWS, products, reviews, reviews_of

MULTIPART = "multipart/mixed;deferSpec=20220824, application/json;q=0.9"
WAIT_S = 10.0  # bounds every wait on the gateway or a subgraph


async def _parts(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
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
        return kind, [p async for p in _parts(response)]


def _slow(handler: Any, release: asyncio.Event) -> Any:
    """``handler``, but ``_entities`` calls wait until the test sets ``release``."""

    async def handle(request: SubgraphRequest) -> Reply:
        if request.representations:
            await asyncio.wait_for(release.wait(), WAIT_S)
        return handler(request)

    return handle


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
        parts = _parts(response)
        first = await asyncio.wait_for(anext(parts), WAIT_S)
        # The reviews subgraph cannot have answered: it waits for this test, which has only now read
        # the primary part.
        assert not release.is_set()
        assert first == {"data": {"topProducts": NAMES}, "hasNext": True}
        release.set()
        rest = [p async for p in parts]

    assert [e for p in rest for e in p.get("incremental", [])] == _reviews()
    assert rest[-1]["hasNext"] is False and all(p["hasNext"] for p in rest[:-1])
    assert all("@defer" not in r.query for r in slow.requests)
