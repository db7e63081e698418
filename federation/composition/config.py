"""Rover's ``supergraph.yaml``: which subgraphs to compose, and where each one's schema comes from.

subgraphs:
  accounts:
    routing_url: http://127.0.0.1:4001/graphql
    schema:
      file: ./accounts.graphql        # relative to the config file
      # or subgraph_url: http://127.0.0.1:4001/graphql   (asks the service for `_service { sdl }`)
      # or sdl: "type Query { ... }"
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from federation.errors import COMPOSITION_CONFIG_INVALID, SUBGRAPH_FETCH_FAILED, RoverConfigError

from .result import CompositionResult, SubgraphSource

FETCH_TIMEOUT_S = 10.0
SERVICE_SDL_QUERY = "query SubgraphIntrospectQuery { _service { sdl } }"


@dataclass(frozen=True)
class SubgraphConfig:
    name: str
    routing_url: str
    file: Path | None = None
    subgraph_url: str | None = None
    sdl: str | None = None
    headers: tuple[tuple[str, str], ...] = ()


def read_config(path: Path) -> list[SubgraphConfig]:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as e:
        raise RoverConfigError(COMPOSITION_CONFIG_INVALID, f"cannot read {path}: {e}") from None
    subgraphs = data.get("subgraphs") if isinstance(data, dict) else None
    if not isinstance(subgraphs, dict) or not subgraphs:
        raise RoverConfigError(COMPOSITION_CONFIG_INVALID, f"{path}: expected a 'subgraphs' mapping")
    return [_subgraph(path, str(name), entry) for name, entry in subgraphs.items()]


def _subgraph(path: Path, name: str, entry: Any) -> SubgraphConfig:
    where = f"{path}: subgraph {name!r}"
    if not isinstance(entry, dict) or not isinstance(entry.get("schema"), dict):
        raise RoverConfigError(COMPOSITION_CONFIG_INVALID, f"{where} needs a 'schema' mapping")
    schema: dict[str, Any] = entry["schema"]
    url = entry.get("routing_url") or schema.get("subgraph_url")
    if not isinstance(url, str):
        raise RoverConfigError(COMPOSITION_CONFIG_INVALID, f"{where} needs a 'routing_url'")
    raw_headers = schema.get("introspection_headers") or {}
    headers = tuple((str(k), str(v)) for k, v in raw_headers.items())
    if isinstance(schema.get("file"), str):
        return SubgraphConfig(name, url, file=(path.parent / schema["file"]).resolve(), headers=headers)
    if isinstance(schema.get("subgraph_url"), str):
        return SubgraphConfig(name, url, subgraph_url=schema["subgraph_url"], headers=headers)
    if isinstance(schema.get("sdl"), str):
        return SubgraphConfig(name, url, sdl=schema["sdl"], headers=headers)
    raise RoverConfigError(COMPOSITION_CONFIG_INVALID, f"{where}: schema needs one of 'file', 'subgraph_url', 'sdl'")


def fetch_sdl(url: str, headers: tuple[tuple[str, str], ...] = (), timeout: float = FETCH_TIMEOUT_S) -> str:
    """Ask a running subgraph for its schema, the way gateways and Rover do."""
    try:
        response = httpx.post(url, json={"query": SERVICE_SDL_QUERY}, headers=dict(headers), timeout=timeout)
        body = response.json()
        sdl = body["data"]["_service"]["sdl"]
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as e:
        raise RoverConfigError(SUBGRAPH_FETCH_FAILED, f"cannot fetch the schema of {url}: {e!r}") from None
    if not isinstance(sdl, str):
        raise RoverConfigError(SUBGRAPH_FETCH_FAILED, f"{url} answered _service.sdl with no string")
    return sdl


def load_sources(path: Path) -> tuple[list[SubgraphSource], dict[str, Path]]:
    """The subgraph sources a config names, and the files they were read from (for provenance)."""
    sources: list[SubgraphSource] = []
    files: dict[str, Path] = {}
    for sub in read_config(path):
        if sub.file is not None:
            try:
                sdl = sub.file.read_text()
            except OSError as e:
                raise RoverConfigError(COMPOSITION_CONFIG_INVALID, f"subgraph {sub.name!r}: {e}") from None
            files[sub.name] = sub.file
        elif sub.subgraph_url is not None:
            sdl = fetch_sdl(sub.subgraph_url, sub.headers)
        else:
            assert sub.sdl is not None
            sdl = sub.sdl
        sources.append(SubgraphSource(sub.name, sub.routing_url, sdl))
    return sources, files


def compose_config(path: Path) -> tuple[CompositionResult, list[Path]]:
    """Compose what a supergraph.yaml names (fetching ``subgraph_url`` sources); also the files read.

    Raises RoverConfigError when the file is malformed or a subgraph cannot be read or fetched; the
    files are returned so that a server can watch them and compose again on change.
    """
    from .compose import compose

    sources, files = load_sources(path)
    return compose(sources), [path, *files.values()]
