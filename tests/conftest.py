"""The four demo subgraphs, served once for the whole session, for every test that needs them
(demo, policies, registry). Request counts are shared: reset them before measuring."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from tests.demo.subgraphs import DemoSubgraphs, ServersThread


@pytest.fixture(scope="session")
def demo_subgraphs() -> Iterator[DemoSubgraphs]:
    runner = ServersThread()
    try:
        servers = runner.start()
        yield DemoSubgraphs(urls=servers.urls)
    finally:
        runner.stop()


@pytest.fixture(autouse=True)
def _demo_reviews_restored() -> Iterator[None]:
    """A test that adds demo reviews (the subscription's mutation) leaves the seed set to the next."""
    yield
    reviews = sys.modules.get("services_demo.reviews")
    if reviews is not None:
        reviews.restore_seed_reviews()
