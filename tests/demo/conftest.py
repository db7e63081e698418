"""The four demo subgraphs, served for the whole session. Request counts are shared: reset them
before measuring."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .subgraphs import DemoSubgraphs, ServersThread


@pytest.fixture(scope="session")
def demo_subgraphs() -> Iterator[DemoSubgraphs]:
    runner = ServersThread()
    try:
        servers = runner.start()
        yield DemoSubgraphs(urls=servers.urls)
    finally:
        runner.stop()
