"""Reviews added by these tests are taken out again, so other tests see the demo's reviews only."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from services_demo import reviews
from tests.demo.subgraphs import DemoSubgraphs

from .helpers import Served, serve, stop


@pytest.fixture(autouse=True)
def _restore_reviews() -> Iterator[None]:
    before = dict(reviews.REVIEWS)
    yield
    reviews.REVIEWS.clear()
    reviews.REVIEWS.update(before)


@pytest.fixture
async def gateway(demo_subgraphs: DemoSubgraphs) -> AsyncIterator[Served]:
    served = await serve(demo_subgraphs.supergraph_sdl())
    yield served
    await stop(served)
