"""``python -m services_demo``: its options and the supergraph it hands the gateway."""

from __future__ import annotations

from pathlib import Path

import pytest

from services_demo import __main__ as demo_main


def test_defaults_serve_the_gateway_on_4000_from_the_committed_supergraph() -> None:
    args = demo_main.parse_args([])

    assert (args.host, args.base_port, args.no_gateway) == ("127.0.0.1", 4000, False)
    assert demo_main.gateway_supergraph(args, {}) == demo_main.SUPERGRAPH


def test_another_base_port_rewrites_subgraph_urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(demo_main, "WORK_DIR", tmp_path)
    args = demo_main.parse_args(["--base-port", "5000", "--no-gateway"])
    urls = {"accounts": "http://127.0.0.1:5001/graphql", "inventory": "http://127.0.0.1:5004/graphql"}

    path = demo_main.gateway_supergraph(args, urls)

    assert path.parent == tmp_path
    text = path.read_text()
    assert '@join__graph(name: "accounts", url: "http://127.0.0.1:5001/graphql")' in text
    assert '@join__graph(name: "inventory", url: "http://127.0.0.1:5004/graphql")' in text
    assert args.no_gateway
