"""The SDL files in ``schemas/`` are what the services print, and the supergraph is composed from them."""

from __future__ import annotations

import hashlib
import re

import httpx
import pytest
from graphql import build_ast_schema, parse, print_ast

from services_demo import SERVICES, default_port
from services_demo.runner import rewrite_subgraph_urls

from .subgraphs import SCHEMAS, DemoSubgraphs


@pytest.mark.parametrize("name", SERVICES)
def test_schema_file_is_what_the_service_prints(demo_subgraphs: DemoSubgraphs, name: str) -> None:
    response = httpx.post(demo_subgraphs.urls[name], json={"query": "{ _service { sdl } }"}, timeout=5)
    served = response.json()["data"]["_service"]["sdl"]
    on_disk = (SCHEMAS / f"{name}.graphql").read_text()

    assert served.rstrip("\n") == on_disk.rstrip("\n"), "run: python -m services_demo.export"
    assert print_ast(parse(served)) == print_ast(parse(on_disk))


def test_supergraph_was_composed_from_the_current_schema_files() -> None:
    supergraph = (SCHEMAS / "supergraph.graphql").read_text()
    recorded = dict(re.findall(r"^#   (\w+)\.graphql sha256=([0-9a-f]{64})$", supergraph, re.MULTILINE))

    current = {
        name: hashlib.sha256((SCHEMAS / f"{name}.graphql").read_bytes()).hexdigest() for name in SERVICES
    }
    assert recorded == current, "recompose: see schemas/README.md"


def test_supergraph_points_at_the_demo_ports() -> None:
    supergraph = (SCHEMAS / "supergraph.graphql").read_text()
    graphs = dict(re.findall(r'@join__graph\(name: "(\w+)", url: "([^"]+)"\)', supergraph))

    assert graphs == {name: f"http://127.0.0.1:{default_port(name)}/graphql" for name in SERVICES}


def test_supergraph_is_valid_sdl_with_the_demo_types() -> None:
    schema = build_ast_schema(parse((SCHEMAS / "supergraph.graphql").read_text()))

    for type_name in ("User", "Product", "Review", "Brand", "Node"):
        assert schema.get_type(type_name) is not None
    for directive in ("authenticated", "requiresScopes", "policy", "cost", "listSize"):
        assert schema.get_directive(directive) is not None


def test_rewrite_subgraph_urls_replaces_only_the_named_subgraphs() -> None:
    supergraph = (SCHEMAS / "supergraph.graphql").read_text()

    rewritten = rewrite_subgraph_urls(supergraph, {"inventory": "http://127.0.0.1:9/graphql"})

    assert '@join__graph(name: "inventory", url: "http://127.0.0.1:9/graphql")' in rewritten
    assert '@join__graph(name: "accounts", url: "http://127.0.0.1:4001/graphql")' in rewritten
    assert rewritten.replace("127.0.0.1:9/", "127.0.0.1:4004/") == supergraph
