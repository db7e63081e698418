"""The pages: each reads through the registry's service (so the same authorisation as the API) and
renders a template. Refusals (unknown, forbidden, bad names) come up as RegistryError; ``routes``
turns them into error pages."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from federation.errors import GRAPH_NOT_FOUND, RegistryError

from ..model import TokenRecord, VariantRecord
from ..service import Registry
from .checks import CheckSource
from .diff import MAX_CHANGED, side_by_side
from .http import Response
from .render import render

HISTORY_PAGE = 50
CHECKS_PAGE = 50


@dataclass(frozen=True)
class GraphListing:
    name: str
    variants: tuple[VariantRecord, ...]


def page(template: str, who: TokenRecord | None, status: int = 200, **context: Any) -> Response:
    return Response(status, render(template, who=who, **context))


def _offset(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and len(raw) < 10 else 0


class Pages:
    def __init__(self, registry: Registry, checks: CheckSource) -> None:
        self.registry = registry
        self.checks_source = checks

    async def index(self, who: TokenRecord) -> Response:
        variants = await self.registry.variants(who)
        graphs = [GraphListing(name, tuple(group)) for name, group in groupby(variants, key=lambda v: v.graph)]
        return page("index.html", who, graphs=graphs)

    async def variant(self, who: TokenRecord, graph: str, variant: str) -> Response:
        record = await self.registry.variant(who, graph, variant)
        subgraphs = await self.registry.subgraphs(who, graph, variant)
        recent = await self.registry.history_summaries(who, graph, variant, limit=5)
        checks = await self.checks_source.checks(who, graph, variant, 5, 0)
        return page("variant.html", who, graph=graph, variant=record, subgraphs=subgraphs, recent=recent,
                    checks=checks, tab="subgraphs")

    async def history(self, who: TokenRecord, graph: str, variant: str, query: dict[str, str]) -> Response:
        offset = _offset(query.get("offset"))
        record = await self.registry.variant(who, graph, variant)
        entries = await self.registry.history_summaries(who, graph, variant, limit=HISTORY_PAGE + 1, offset=offset)
        return page("history.html", who, graph=graph, variant=record, entries=entries[:HISTORY_PAGE],
                    offset=offset, more=len(entries) > HISTORY_PAGE, page_size=HISTORY_PAGE, tab="history")

    async def version(self, who: TokenRecord, graph: str, variant: str, version: str) -> Response:
        record = await self.registry.variant(who, graph, variant)
        entry, before = await self.registry.version(who, graph, variant, version)
        diff = None
        if entry.supergraph_sdl is not None:
            old = before.supergraph_sdl or "" if before else ""
            diff = await asyncio.to_thread(side_by_side, old, entry.supergraph_sdl)
        return page("version.html", who, graph=graph, variant=record, entry=entry, before=before, diff=diff,
                    max_changed=MAX_CHANGED, tab="history")

    async def supergraph(self, who: TokenRecord, graph: str, variant: str, version: str) -> Response:
        entry, _ = await self.registry.version(who, graph, variant, version)
        if entry.supergraph_sdl is None:
            raise RegistryError(GRAPH_NOT_FOUND, f"version {version} has no supergraph (it did not compose)")
        return Response(200, entry.supergraph_sdl.encode(), content_type="text/plain; charset=utf-8")

    async def checks(self, who: TokenRecord, graph: str, variant: str, query: dict[str, str]) -> Response:
        record = await self.registry.variant(who, graph, variant)
        offset = _offset(query.get("offset"))
        found = list(await self.checks_source.checks(who, graph, variant, CHECKS_PAGE + 1, offset))
        return page("checks.html", who, graph=graph, variant=record, checks=found[:CHECKS_PAGE],
                    offset=offset, more=len(found) > CHECKS_PAGE, page_size=CHECKS_PAGE, tab="checks")

    async def check(self, who: TokenRecord, graph: str, variant: str, check_id: str) -> Response:
        record = await self.registry.variant(who, graph, variant)
        found = await self.checks_source.check(who, graph, variant, check_id)
        return page("check.html", who, graph=graph, variant=record, check=found, tab="checks")
