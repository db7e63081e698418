"""Does a fragment's type condition apply to an object of a runtime type (spec 6.3.2, DoesFragmentTypeApply)."""

from __future__ import annotations

from graphql import GraphQLObjectType, GraphQLSchema, is_abstract_type


def type_applies(schema: GraphQLSchema, condition: str | None, runtime_type: str) -> bool:
    if condition is None or condition == runtime_type:
        return True
    cond_type = schema.get_type(condition)
    runtime = schema.get_type(runtime_type)
    if cond_type is None or not is_abstract_type(cond_type) or not isinstance(runtime, GraphQLObjectType):
        return False
    return schema.is_sub_type(cond_type, runtime)  # type: ignore[arg-type]
