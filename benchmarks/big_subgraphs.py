"""``python -m benchmarks.big_subgraphs DIR --port P``: one stand-in server for every subgraph in DIR.

``POST /<name>/graphql`` executes the document with graphql-core on ``DIR/<name>.graphql`` (built on
its first request, with ``_entities`` for its ``@key`` types) and makes up values of the declared
types: the big-supergraph benchmark measures the gateway, not what the subgraphs know. Entity
representations come back with their keys and ``__typename``. ``GET /count`` says how many requests.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import orjson
import uvicorn
from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    build_schema,
    graphql_sync,
)

from federation.http.params import read_body

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
_ENTITY = re.compile(r"^type (\w+)[^{\n]*@key\(", re.M)
_FED_DIRECTIVES = """
scalar _Any
scalar FieldSet
directive @key(fields: FieldSet!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
directive @shareable on OBJECT | FIELD_DEFINITION
directive @external on OBJECT | FIELD_DEFINITION
directive @requires(fields: FieldSet!) on FIELD_DEFINITION
directive @provides(fields: FieldSet!) on FIELD_DEFINITION
directive @link(url: String!, import: [String]) repeatable on SCHEMA
"""
LIST_LENGTH = 2


MAX_BODY_BYTES = 64 * 1024 * 1024  # far above any document the gateway sends

def build(sdl: str) -> GraphQLSchema:
    entities = _ENTITY.findall(sdl)
    sdl = sdl.replace("extend schema", "schema", 1).replace("schema @link", "extend schema @link", 1)
    extra = _FED_DIRECTIVES
    if entities:
        extra += f"union _Entity = {' | '.join(entities)}\n"
        extra += "extend type Query { _entities(representations: [_Any!]!): [_Entity]! }\n"
    return build_schema(sdl + extra, assume_valid_sdl=True)


def resolve(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
    if info.field_name == "_entities":
        return args["representations"]
    if isinstance(source, dict) and info.field_name in source:
        return source[info.field_name]
    return _value(info.return_type, info.field_name)


def _value(t: Any, name: str) -> Any:
    if isinstance(t, GraphQLNonNull):
        return _value(t.of_type, name)
    if isinstance(t, GraphQLList):
        return [_value(t.of_type, name) for _ in range(LIST_LENGTH)]
    if isinstance(t, GraphQLEnumType):
        return next(iter(t.values))
    if isinstance(t, GraphQLScalarType):
        return {"Int": 7, "Float": 1.5, "Boolean": True, "ID": f"{name}-1"}.get(t.name, f"{name} value")
    return {}


def resolve_type(value: Any, info: GraphQLResolveInfo, abstract: Any) -> str:
    if isinstance(value, dict) and "__typename" in value:
        return str(value["__typename"])
    return str(info.schema.get_possible_types(abstract)[0].name)


class StandIn:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.schemas: dict[str, GraphQLSchema] = {}
        self.count = 0

    def schema(self, name: str) -> GraphQLSchema | None:
        if name not in self.schemas:
            path = self.directory / f"{name}.graphql"
            if not path.is_file():
                return None
            schema = build(path.read_text())
            for t in schema.type_map.values():
                if not isinstance(t, GraphQLObjectType) and hasattr(t, "resolve_type"):
                    t.resolve_type = resolve_type
            self.schemas[name] = schema
        return self.schemas[name]

    async def __call__(self, scope: MutableMapping[str, Any], receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        if scope["method"] == "GET" and scope["path"] == "/count":
            await _send(send, 200, orjson.dumps({"count": self.count}))
            return
        body = await read_body(receive, None, MAX_BODY_BYTES)  # the gateway's own reader
        self.count += 1
        parts = scope["path"].strip("/").split("/")
        schema = self.schema(parts[0]) if len(parts) == 2 and parts[1] == "graphql" else None
        if schema is None:
            await _send(send, 404, b'{"errors":[{"message":"no such subgraph"}]}')
            return
        request = orjson.loads(body)
        result = graphql_sync(
            schema, request["query"], variable_values=request.get("variables"),
            operation_name=request.get("operationName"), field_resolver=resolve,
        )
        answer: dict[str, Any] = {"data": result.data}
        if result.errors:
            answer["errors"] = [e.formatted for e in result.errors]
        await _send(send, 200, orjson.dumps(answer))


async def _send(send: Send, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.big_subgraphs")
    parser.add_argument("directory", type=Path)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(StandIn(args.directory), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
