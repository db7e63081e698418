"""Where the supergraph SDL comes from: a composed file, or a Rover-style ``supergraph.yaml``
composed at start (and again when one of its files changes); a schema registry is the third
source, polled by ``federation.supergraph_registry``::

    subgraphs:
      accounts:
        routing_url: http://127.0.0.1:4001/graphql
        schema: {file: ./accounts.graphql}      # or {subgraph_url: ...} or {sdl: ...}
"""

from __future__ import annotations

from pathlib import Path

from federation.config import SupergraphConfig
from federation.errors import ConfigError, RoverConfigError, SupergraphError


def source_files(config: SupergraphConfig) -> list[Path]:
    """The files whose change means a new supergraph (schemas fetched by URL are read at start only)."""
    if config.path:
        return [Path(config.path)]
    if config.config:
        from federation.composition.config import read_config  # composition: only needed here

        rover = Path(config.config)
        try:
            return [rover, *(sub.file for sub in read_config(rover) if sub.file is not None)]
        except RoverConfigError as exc:
            raise SupergraphError(str(exc)) from exc
    raise ConfigError("no supergraph file: give --supergraph FILE or supergraph.path / supergraph.config")


def read_supergraph_sdl(config: SupergraphConfig) -> str:
    """The supergraph's SDL: the file's text, or the Rover config composed (blocking: it may fetch
    schemas over HTTP, so a running server calls it off the event loop)."""
    if config.path:
        try:
            return Path(config.path).read_text(encoding="utf-8")
        except OSError as exc:
            raise SupergraphError(f"cannot read supergraph {config.path}: {exc.strerror or exc}") from exc
    if config.config:
        return compose_rover_config(Path(config.config))
    raise ConfigError("no supergraph file: give --supergraph FILE or supergraph.path / supergraph.config")


def compose_rover_config(path: Path) -> str:
    """Compose what a Rover ``supergraph.yaml`` names: schema files, inline SDL, or ``subgraph_url``
    (the running service is asked for ``_service { sdl }``)."""
    from federation.composition.config import compose_config  # composition: only needed here

    try:
        result, _files = compose_config(path)
    except RoverConfigError as exc:
        raise SupergraphError(f"{path}: {exc}") from exc
    if not result.ok or result.supergraph_sdl is None:
        issues = "\n".join(f"  {issue}" for issue in result.errors)
        raise SupergraphError(f"{path}: composition failed:\n{issues}")
    return result.supergraph_sdl
