"""Where the supergraph SDL comes from: a composed file, or a Rover-style ``supergraph.yaml``
composed at start (and again on change)::

    subgraphs:
      accounts:
        routing_url: http://127.0.0.1:4001/graphql
        schema: {file: ./accounts.graphql}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from federation.config import ConfigError, SupergraphConfig
from federation.errors import SupergraphError


def source_files(config: SupergraphConfig) -> list[Path]:
    """The files whose change means a new supergraph."""
    if config.path:
        return [Path(config.path)]
    if config.config:
        rover = Path(config.config)
        return [rover, *(schema for _, _, schema in _read_rover(rover))]
    raise ConfigError("no supergraph: give --supergraph FILE or supergraph.path / supergraph.config")


def load_supergraph(config: SupergraphConfig) -> str:
    if config.path:
        try:
            return Path(config.path).read_text(encoding="utf-8")
        except OSError as exc:
            raise SupergraphError(f"cannot read supergraph {config.path}: {exc.strerror or exc}") from exc
    if config.config:
        return compose_rover_config(Path(config.config))
    raise ConfigError("no supergraph: give --supergraph FILE or supergraph.path / supergraph.config")


def compose_rover_config(path: Path) -> str:
    from federation.composition import SubgraphSource, compose  # composition is only needed here

    sources = []
    for name, url, schema in _read_rover(path):
        try:
            sdl = schema.read_text(encoding="utf-8")
        except OSError as exc:
            raise SupergraphError(f"{path}: subgraph {name}: cannot read {schema}: {exc.strerror}") from exc
        sources.append(SubgraphSource(name=name, url=url, sdl=sdl))
    result = compose(sources)
    if not result.ok or result.supergraph_sdl is None:
        issues = "\n".join(f"  {issue}" for issue in result.errors)
        raise SupergraphError(f"{path}: composition failed:\n{issues}")
    return result.supergraph_sdl


def _read_rover(path: Path) -> list[tuple[str, str, Path]]:
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SupergraphError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise SupergraphError(f"{path}: not valid YAML: {exc}") from exc
    subgraphs = raw.get("subgraphs") if isinstance(raw, dict) else None
    if not isinstance(subgraphs, dict) or not subgraphs:
        raise SupergraphError(f"{path}: expected a 'subgraphs' mapping")
    out = []
    for name, entry in subgraphs.items():
        schema = entry.get("schema") if isinstance(entry, dict) else None
        url = entry.get("routing_url") if isinstance(entry, dict) else None
        if not isinstance(schema, dict) or not isinstance(schema.get("file"), str):
            raise SupergraphError(f"{path}: subgraph {name}: only 'schema: {{file: ...}}' is supported")
        if not isinstance(url, str):
            raise SupergraphError(f"{path}: subgraph {name}: 'routing_url' is required")
        out.append((str(name), url, (path.parent / schema["file"]).resolve()))
    return out
