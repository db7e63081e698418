"""A stand-in for ``federation.gateway.Gateway`` (the core), recording what the CLI and server ask of it."""

from __future__ import annotations

import asyncio
import sys
import types
from typing import Any

from federation.request import GraphQLRequest, GraphQLResponse, RequestContext


class FakeGateway:
    instances: list[FakeGateway] = []

    def __init__(self, sdl: str, config: Any) -> None:
        self.sdl = sdl
        self.config = config
        self.reloads: list[str] = []
        self.closed = False
        FakeGateway.instances.append(self)

    @classmethod
    def from_sdl(cls, supergraph_sdl: str, config: Any = None) -> FakeGateway:
        if "broken" in supergraph_sdl:
            from federation.errors import SupergraphError

            raise SupergraphError("the supergraph is broken")
        return cls(supergraph_sdl, config)

    async def execute(self, request: GraphQLRequest, context: RequestContext) -> GraphQLResponse:
        if request.query and "slow" in request.query:
            await asyncio.sleep(1.0)
        return GraphQLResponse({"data": {"sdl": self.sdl.strip()}})

    def build(self, supergraph_sdl: str) -> str:
        if "broken" in supergraph_sdl:
            raise ValueError("cannot load a broken supergraph")
        return supergraph_sdl

    def swap(self, state: str) -> None:
        self.reloads.append(state)
        self.sdl = state

    def reload(self, supergraph_sdl: str) -> None:
        self.swap(self.build(supergraph_sdl))

    def interrupt(self) -> int:
        return 0

    async def aclose(self) -> None:
        self.closed = True
        print("gateway closed", file=sys.stderr, flush=True)

    def plan_text(self, query: str, operation_name: str | None = None) -> str:
        return f"QueryPlan {{ # {query.strip()} op={operation_name}\n}}\n"

    def plan_json(self, query: str, operation_name: str | None = None) -> dict[str, Any]:
        return {"kind": "QueryPlan", "query": query.strip(), "operationName": operation_name}


def core_module() -> types.ModuleType:
    module = types.ModuleType("federation.gateway")
    module.Gateway = FakeGateway  # type: ignore[attr-defined]
    return module
