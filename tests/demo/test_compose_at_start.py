"""`federation serve --supergraph supergraph.yaml`: composed at start, schemas fetched from the running
subgraphs (`subgraph_url`), so a developer can run the gateway straight from the services."""

from __future__ import annotations

from pathlib import Path

import pytest

from federation.config import SupergraphConfig
from federation.errors import SupergraphError
from federation.gateway import Gateway
from federation.request import GraphQLRequest
from federation.supergraph_source import read_supergraph_sdl, source_files

from .subgraphs import DemoSubgraphs


def _rover(tmp_path: Path, urls: dict[str, str]) -> Path:
    lines = ["subgraphs:"]
    for name, url in urls.items():
        lines += [f"  {name}:", f"    routing_url: {url}", "    schema:", f"      subgraph_url: {url}"]
    path = tmp_path / "supergraph.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


async def test_serve_composes_from_running_subgraphs(demo_subgraphs: DemoSubgraphs, tmp_path: Path) -> None:
    rover = _rover(tmp_path, demo_subgraphs.urls)
    config = SupergraphConfig(config=str(rover))
    sdl = read_supergraph_sdl(config)
    assert source_files(config) == [rover]  # nothing on disk but the config itself to watch
    gateway = Gateway.from_sdl(sdl)
    try:
        body = (await gateway.execute(GraphQLRequest(
            "{ topProducts(first: 2) { name inStock reviews { rating author { username } } } }"))).body
    finally:
        await gateway.aclose()
    assert "errors" not in body, body
    products = body["data"]["topProducts"]
    assert [p["name"] for p in products] == ["Mechanical Keyboard", "27-inch Monitor"]
    assert all(isinstance(p["inStock"], bool) for p in products)


def test_a_subgraph_that_is_down_is_a_clear_start_up_error(demo_subgraphs: DemoSubgraphs, tmp_path: Path) -> None:
    urls = {**demo_subgraphs.urls, "inventory": "http://127.0.0.1:9/graphql"}
    with pytest.raises(SupergraphError, match=r"127\.0\.0\.1:9"):
        read_supergraph_sdl(SupergraphConfig(config=str(_rover(tmp_path, urls))))
