"""Properties: order never matters, a schema equals its printed self, one edit gives one change, and a
comparison of prepared supergraphs is fast."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from graphql import DocumentNode, build_schema, parse, print_ast, print_schema

from federation.registry.changes import compare_schemas, compare_supergraphs, prepare_supergraph
from tests.supergraphs import supergraph

DEMO = Path(__file__).resolve().parents[3] / "schemas" / "supergraph.graphql"
SCALARS = ("Int", "String", "Boolean", "ID", "Float")


def random_schema(rng: random.Random) -> dict[str, tuple[str, list[str]]]:
    """name -> (SDL head, member lines), so the members and the types can be printed in any order."""
    enums = [f"E{i}" for i in range(rng.randint(1, 3))]
    inputs = [f"In{i}" for i in range(rng.randint(1, 3))]
    objects = [f"T{i}" for i in range(rng.randint(2, 5))]
    types: dict[str, tuple[str, list[str]]] = {}
    for name in enums:
        types[name] = (f"enum {name}", [f"V{j}" for j in range(rng.randint(1, 4))])
    for name in inputs:
        types[name] = (f"input {name}", [f"f{j}: {rng.choice(SCALARS + tuple(enums))}{rng.choice(['', '!'])}"
                                         for j in range(rng.randint(1, 4))])
    types["I"] = ("interface I", ["id: ID!"])
    for name in objects:
        fields = ["id: ID!"]
        for j in range(rng.randint(1, 5)):
            target = rng.choice(SCALARS + tuple(enums) + tuple(objects))
            args = f"(a: {rng.choice(inputs)}, b: Int = {j})" if rng.random() < 0.4 else ""
            fields.append(f"f{j}{args}: {rng.choice(['{}', '[{}]', '{}!', '[{}!]!']).format(target)}")
        head = f"type {name} implements I" if rng.random() < 0.5 else f"type {name}"
        types[name] = (head, fields)
    types["U"] = ("union U = " + " | ".join(rng.sample(objects, rng.randint(1, len(objects)))), [])
    types["Query"] = ("type Query", [f"t{i}: {name}" for i, name in enumerate(objects)] + ["u: U", "i: I"])
    return types


def render(types: dict[str, tuple[str, list[str]]], rng: random.Random | None = None) -> str:
    names = list(types)
    if rng is not None:
        rng.shuffle(names)
    out = []
    for name in names:
        head, members = types[name]
        members = list(members)
        if rng is not None:
            rng.shuffle(members)
        out.append(head + (" { " + " ".join(members) + " }" if members else ""))
    return "\n".join(out)


@pytest.mark.parametrize("seed", range(25))
def test_order_and_printing_never_matter(seed: int) -> None:
    rng = random.Random(seed)
    types = random_schema(rng)
    sdl = render(types)
    assert compare_schemas(sdl, sdl) == []
    assert compare_schemas(sdl, render(types, rng)) == []
    assert compare_schemas(sdl, print_schema(build_schema(sdl))) == []


@pytest.mark.parametrize("seed", range(25))
def test_one_edit_one_change_and_back(seed: int) -> None:
    rng = random.Random(seed)
    types = random_schema(rng)
    name = rng.choice([n for n in types if n.startswith(("T", "E"))])
    head, members = types[name]
    dropped = rng.randrange(1, len(members)) if len(members) > 1 else None
    if dropped is None:
        return  # an enum of one value: removing it would leave an empty enum
    edited = dict(types)
    edited[name] = (head, members[:dropped] + members[dropped + 1:])
    member = members[dropped].split("(")[0].split(":")[0]
    coordinate = f"{name}.{member}"
    forward = compare_schemas(render(types), render(edited, rng))
    back = compare_schemas(render(edited), render(types, rng))
    removed, added = ("ENUM_VALUE_REMOVED", "ENUM_VALUE_ADDED") if name.startswith("E") else (
        "FIELD_REMOVED", "FIELD_ADDED")
    assert [(c.code, c.coordinate) for c in forward] == [(removed, coordinate)]
    assert [(c.code, c.coordinate) for c in back] == [(added, coordinate)]


def test_a_reordered_supergraph_has_no_changes() -> None:
    sdl = DEMO.read_text(encoding="utf-8")
    document = parse(sdl, no_location=True)
    definitions = list(document.definitions)
    random.Random(7).shuffle(definitions)
    shuffled = print_ast(DocumentNode(definitions=tuple(definitions)))
    assert compare_supergraphs(sdl, shuffled) == []


def _big_supergraph(n: int, variant: int) -> str:
    parts = ["type Query @join__type(graph: A) {"
             + " ".join(f"t{i}: T{i} @join__field(graph: A)" for i in range(n)) + "}"]
    for i in range(n):
        parts.append(
            f'"""Type {i}"""\ntype T{i} @join__type(graph: A, key: "id") @join__type(graph: B, key: "id") {{\n'
            f"  id: ID!\n  name(first: Int = 10, after: String): String @join__field(graph: A)\n"
            f'  other: [Int!]! @join__field(graph: B) @deprecated(reason: "x")\n  e: E{i} @join__field(graph: A)\n}}\n'
            f"enum E{i} @join__type(graph: A) {{ X @join__enumValue(graph: A) V{variant} @join__enumValue(graph: A) }}"
        )
    return supergraph(["a", "b"], "\n".join(parts))


def test_prepared_supergraphs_compare_fast() -> None:
    old, new = prepare_supergraph(_big_supergraph(400, 0)), prepare_supergraph(_big_supergraph(400, 1))
    started = time.perf_counter()
    changes = compare_supergraphs(old, new)
    elapsed = time.perf_counter() - started
    assert len(changes) == 800  # each enum lost V0 and gained V1
    assert elapsed < 1.0, f"{elapsed:.2f}s to compare two prepared supergraphs of 400 types"
