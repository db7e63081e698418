"""``federation serve --registry --graph --registry-token`` over gateway.yaml and the environment."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from federation.cli import build_parser, serve_config
from federation.config import RegistryConfig
from federation.errors import ConfigError
from federation.supergraph_registry import read_token


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(["serve", *argv])


def test_flags_over_the_file(tmp_path: Path) -> None:
    file = tmp_path / "gateway.yaml"
    file.write_text("supergraph:\n  path: old.graphql\n")
    config = serve_config(parse("--config", str(file), "--registry", "http://127.0.0.1:1", "--graph", "shop@prod",
                                "--registry-token", "t0k"), {})
    registry = config.supergraph.registry
    assert config.supergraph.path is None and registry is not None
    assert (registry.url, registry.graph_ref, registry.token) == ("http://127.0.0.1:1", ("shop", "prod"), "t0k")
    # The file's registry keys stay; the flags give what it leaves out; --poll-interval is the poll's too.
    file.write_text("supergraph:\n  registry: {graph: shop@prod, cache_file: c.graphql, token_file: tok}\n")
    config = serve_config(parse("--config", str(file), "--registry", "http://r", "--poll-interval", "3"), {})
    registry = config.supergraph.registry
    assert registry is not None
    assert (registry.cache_file, registry.token_file, registry.poll_interval) == ("c.graphql", "tok", 3.0)


def test_one_source_and_a_complete_registry() -> None:
    with pytest.raises(ConfigError, match="give one supergraph source"):
        serve_config(parse("--supergraph", "a.graphql", "--registry", "http://r", "--graph", "g"), {})
    with pytest.raises(ConfigError, match="go with --registry"):
        serve_config(parse("--graph", "shop@prod"), {})
    with pytest.raises(ConfigError) as caught:
        serve_config(parse("--registry", "http://r"), {})
    assert caught.value.key == "supergraph.registry.graph"
    with pytest.raises(ConfigError) as caught:
        serve_config(parse("--registry", "ftp://r", "--graph", "g"), {})
    assert caught.value.key == "supergraph.registry.url"
    config = serve_config(parse("--graph", "shop"), {"FEDERATION_REGISTRY_URL": "http://r"})
    assert config.supergraph.registry is not None and config.supergraph.registry.graph == "shop"


def test_the_token_from_a_file(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("from-file\n")
    assert read_token(RegistryConfig(url="http://r", graph="g", token_file=str(tmp_path / "token"))) == "from-file"
    with pytest.raises(ConfigError, match="token_file"):
        read_token(RegistryConfig(url="http://r", graph="g", token_file=str(tmp_path / "absent")))
    with pytest.raises(ConfigError, match="not both"):
        RegistryConfig(url="http://r", graph="g", token="a", token_file="b")
