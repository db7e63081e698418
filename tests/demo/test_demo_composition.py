"""Our composition of the demo subgraphs gives the supergraph Apollo's composition gave, up to order.

``schemas/supergraph.graphql`` was composed with Apollo's library (see ``schemas/README.md``);
composing the same four files with ``federation.composition`` must agree with it definition by
definition, with directives, fields and enum values compared as sets.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from graphql import parse, print_ast
from graphql.language import Node

from services_demo import SERVICES, default_port

composition = pytest.importorskip("federation.composition", reason="composition is not available")

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"
MEMBER_LISTS = ("fields", "values", "types", "interfaces", "operation_types", "locations", "arguments")


def normalised(supergraph_sdl: str) -> dict[str, Any]:
    """Each definition keyed by kind and name: its directives and members as sorted printed text."""
    out: dict[str, Any] = {}
    for definition in parse(supergraph_sdl).definitions:
        name = getattr(getattr(definition, "name", None), "value", "schema")
        shape: dict[str, Any] = {"self": _printed(definition, with_members=False)}
        for attribute in MEMBER_LISTS:
            members = getattr(definition, attribute, None)
            if members is not None:
                shape[attribute] = sorted(_printed(member) for member in members)
        out[f"{definition.kind} {name}"] = shape
    return out


def _printed(node: Node, with_members: bool = True) -> str:
    """The node printed with its directives sorted and its description as plain text."""
    node = copy.copy(node)
    directives = getattr(node, "directives", None)
    if directives:
        node.directives = tuple(sorted(directives, key=print_ast))  # type: ignore[attr-defined]
    description = getattr(node, "description", None)
    if description is not None:
        node.description = None  # type: ignore[attr-defined]
    if not with_members:
        for attribute in MEMBER_LISTS:
            if getattr(node, attribute, None) is not None and attribute != "locations":
                setattr(node, attribute, ())
    text = description.value if description is not None else ""
    return f"{print_ast(node)} {text}".strip()


def composed() -> dict[str, Any]:
    sources = [
        composition.SubgraphSource(
            name=name,
            url=f"http://127.0.0.1:{default_port(name)}/graphql",
            sdl=(SCHEMAS / f"{name}.graphql").read_text(),
        )
        for name in SERVICES
    ]
    result = composition.compose(sources)
    assert result.ok, [str(error) for error in result.errors]
    return normalised(result.supergraph_sdl)


def committed() -> dict[str, Any]:
    return normalised((SCHEMAS / "supergraph.graphql").read_text())


def test_our_composition_gives_the_same_types_and_directives() -> None:
    ours, apollos = composed(), committed()
    ours.pop("schema_definition schema")
    apollos.pop("schema_definition schema")

    assert ours == apollos


def test_our_composition_links_the_same_features() -> None:
    assert composed()["schema_definition schema"] == committed()["schema_definition schema"]
