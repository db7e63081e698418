"""Builds an ariadne federated schema that serves its subgraph SDL exactly as written.

ariadne's federation support knows the directives up to Federation 2.6 and strips the others
(``@cost``, ``@listSize``) from ``_service { sdl }``; the demo needs them composed, so the executable
schema gets their definitions and ``_service`` answers with the original text.
"""

from __future__ import annotations

from typing import Any

from ariadne.contrib.federation import make_federated_schema
from graphql import GraphQLObjectType, GraphQLSchema

# Definitions from https://specs.apollo.dev/cost/v0.1 (imported by Federation 2.9).
_COST_DEFINITIONS = """
directive @cost(weight: Int!) on
    ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
directive @listSize(
    assumedSize: Int, slicingArguments: [String!], sizedFields: [String!],
    requireOneSlicingArgument: Boolean = true
) on FIELD_DEFINITION
"""


def federated_schema(sdl: str, *bindables: Any) -> GraphQLSchema:
    schema = make_federated_schema([sdl, _COST_DEFINITIONS], *bindables)
    query = schema.query_type
    assert isinstance(query, GraphQLObjectType)
    query.fields["_service"].resolve = lambda _root, _info: {"sdl": sdl}
    return schema
