"""SDL as strawberry and ariadne print it composes without edits."""

from __future__ import annotations

import strawberry
from ariadne.contrib.federation import make_federated_schema
from graphql import graphql_sync, print_schema

from federation.composition import SubgraphSource, compose

PRODUCTS = """
extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@shareable"])
type Query { products: [Product] }
type Product @key(fields: "upc") { upc: ID! name: String @shareable owner: User }
type User @key(fields: "id", resolvable: false) { id: ID! }
"""


@strawberry.federation.type(keys=["id"])
class User:
    id: strawberry.ID
    name: str


@strawberry.type
class Query:
    @strawberry.field
    def me(self) -> User:
        raise NotImplementedError


def strawberry_sdl() -> str:
    # str(schema) prints the whole schema: a schema block, _entities, _service, _Any, _Entity, _Service
    return str(strawberry.federation.Schema(query=Query))


def ariadne_service_sdl() -> str:
    schema = make_federated_schema(PRODUCTS)
    result = graphql_sync(schema, "{ _service { sdl } }")
    assert result.data is not None
    sdl = result.data["_service"]["sdl"]
    assert isinstance(sdl, str)
    return sdl


def test_strawberry_and_ariadne_service_sdl_compose() -> None:
    sb = strawberry_sdl()
    assert "_entities" in sb and "union _Entity" in sb and "schema @link" in sb
    result = compose(
        [
            SubgraphSource("users", "http://127.0.0.1:4001/graphql", sb),
            SubgraphSource("products", "http://127.0.0.1:4002/graphql", ariadne_service_sdl()),
        ]
    )
    assert result.ok, [str(e) for e in result.errors]
    sdl = result.supergraph_sdl
    assert sdl is not None
    assert '@join__type(graph: USERS, key: "id")' in sdl
    assert '@join__type(graph: PRODUCTS, key: "id", resolvable: false)' in sdl
    for federation_type in ("_Entity", "_Service", "_Any", "_entities", "_service", "scalar FieldSet"):
        assert federation_type not in sdl


def test_ariadne_full_printed_schema_composes() -> None:
    # graphql-core's printer drops applied directives, but the federation definitions it prints must not hurt
    printed = print_schema(make_federated_schema(PRODUCTS))
    assert "scalar _Any" in printed and "directive @key" in printed
    result = compose([SubgraphSource("products", "http://127.0.0.1:4002/graphql", printed)])
    assert result.ok, [str(e) for e in result.errors]
    assert result.supergraph_sdl is not None
    assert "scalar Import" not in result.supergraph_sdl
