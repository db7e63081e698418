"""Random operations over a schema, for the property and fuzz tests."""

from __future__ import annotations

from graphql import GraphQLNamedType, GraphQLSchema, get_named_type, is_abstract_type
from hypothesis import strategies as st

from tests.policies.schemas import SCHEMA

ARGUMENTS = {"id": "1", "text": '"x"', "body": '"x"', "first": "3", "last": "2", "limit": "4", "upc": '"1001"',
             "rating": "4", "authorId": '"u1"'}


def visible_types(schema: GraphQLSchema, type_: GraphQLNamedType) -> list[GraphQLNamedType]:
    return [type_, *schema.get_possible_types(type_)] if is_abstract_type(type_) else [type_]  # type: ignore[arg-type]


@st.composite
def selection_set(
    draw: st.DrawFn, type_: GraphQLNamedType, depth: int, fragments: list[str], schema: GraphQLSchema = SCHEMA
) -> str:
    parts: list[str] = []
    fields = getattr(type_, "fields", None) or {}
    if fields:
        # Distinct names and aliases: fields that cannot merge would only be refused by validation.
        names = draw(st.lists(st.sampled_from(sorted(fields)), min_size=1, max_size=4, unique=True))
        for name in names:
            field = fields[name]
            alias = draw(st.sampled_from(["", "", "", f"{name}Alias: "]))
            args = [f"{a}: {ARGUMENTS[a]}" for a, arg in field.args.items() if a in ARGUMENTS and draw(st.booleans())]
            args += [
                f"{a}: {ARGUMENTS[a]}"
                for a, arg in field.args.items()
                if arg.type.__class__.__name__ == "GraphQLNonNull" and f"{a}: {ARGUMENTS[a]}" not in args
            ]
            text = f"{alias}{name}" + (f"({', '.join(args)})" if args else "")
            if draw(st.integers(0, 9)) == 0:
                text += " @skip(if: true)" if draw(st.booleans()) else " @include(if: true)"
            child = get_named_type(field.type)
            if hasattr(child, "fields") or is_abstract_type(child):
                if depth <= 0:
                    continue
                text += " " + draw(selection_set(child, depth - 1, fragments, schema))
            parts.append(text)
    if is_abstract_type(type_) or draw(st.integers(0, 4)) == 0:
        for possible in draw(st.lists(st.sampled_from(visible_types(schema, type_)), max_size=2)):
            body = draw(selection_set(possible, depth - 1, fragments, schema)) if depth > 0 else "{ __typename }"
            if draw(st.booleans()):
                parts.append(f"... on {possible.name} {body}")
            else:
                name = f"F{len(fragments)}"
                fragments.append(f"fragment {name} on {possible.name} {body}")
                parts.append(f"...{name}")
    if not parts:
        parts.append("__typename")
    return "{ " + " ".join(parts) + " }"


@st.composite
def operations(draw: st.DrawFn, schema: GraphQLSchema = SCHEMA) -> str:
    fragments: list[str] = []
    mutation = schema.mutation_type is not None and draw(st.integers(0, 5)) == 0
    root = schema.mutation_type if mutation else schema.query_type
    assert root is not None
    body = draw(selection_set(root, 3, fragments, schema))
    return ("mutation " if mutation else "query ") + body + " " + " ".join(fragments)
