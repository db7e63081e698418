"""For the HTTP tests: a stand-in gateway (graphql-core over a tiny schema) and a live uvicorn."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from typing import Any

import graphql
import uvicorn

from federation.errors import (
    GRAPHQL_PARSE_FAILED,
    GRAPHQL_VALIDATION_FAILED,
    METHOD_NOT_ALLOWED,
    graphql_error,
)
from federation.http import GatewayApp
from federation.request import GraphQLRequest, GraphQLResponse, RequestContext

SDL = """
type Query { hello(name: String): String!  boom: String  me: String }
type Mutation { bump: Int! }
"""


class FakeGateway:
    """Executes on a local schema and behaves like the core at the boundary (statuses, GET rule)."""

    def __init__(self, greeting: str = "Hello") -> None:
        self.schema = graphql.build_schema(SDL)
        self.greeting = greeting
        self.calls: list[tuple[GraphQLRequest, RequestContext]] = []
        self.counter = 0

    async def execute(self, request: GraphQLRequest, context: RequestContext) -> GraphQLResponse:
        self.calls.append((request, context))
        try:
            document = graphql.parse(request.query or "")
        except graphql.GraphQLError as exc:
            return GraphQLResponse({"errors": [graphql_error(exc.message, GRAPHQL_PARSE_FAILED)]}, 400)
        errors = graphql.validate(self.schema, document)
        if errors:
            body = [graphql_error(e.message, GRAPHQL_VALIDATION_FAILED) for e in errors]
            return GraphQLResponse({"errors": body}, 400)
        operation = graphql.get_operation_ast(document, request.operation_name)
        if operation is None:
            return GraphQLResponse({"errors": [graphql_error("Unknown operation.", "BAD_REQUEST")]}, 400)
        if request.http_method == "GET" and operation.operation != graphql.OperationType.QUERY:
            error = graphql_error("Mutations need POST.", METHOD_NOT_ALLOWED)
            return GraphQLResponse({"errors": [error]}, 405)
        if any(s.name.value == "boom" for s in operation.selection_set.selections if hasattr(s, "name")):
            raise RuntimeError("the gateway fell over")
        result = await graphql.graphql(
            self.schema,
            request.query or "",
            root_value=self._root(context),
            variable_values=request.variables,
            operation_name=request.operation_name,
        )
        return GraphQLResponse(result.formatted, headers={"x-served-by": "fake"})

    def _root(self, context: RequestContext) -> dict[str, Any]:
        def bump(_info: Any) -> int:
            self.counter += 1
            return self.counter

        return {
            "hello": lambda _info, name="world": f"{self.greeting}, {name}!",
            "me": lambda _info: context.headers.get("authorization"),
            "bump": bump,
        }


@dataclass
class LiveServer:
    url: str
    app: GatewayApp


class serve_in_thread:
    def __init__(self, app: GatewayApp) -> None:
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=lambda: asyncio.run(self.server.serve()), daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        ready = threading.Event()
        for _ in range(500):  # up to 10 s
            if self.server.started:
                ready.set()
                break
            if not self.thread.is_alive():
                break
            self.thread.join(0.02)
        if not ready.is_set():
            raise RuntimeError("uvicorn did not start")
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
