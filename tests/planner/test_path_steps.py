"""Flatten paths: typed steps made at plan time, printed as Apollo prints them, followed by execution."""

from __future__ import annotations

from typing import Any

from federation.execution.merge import collect, collect_paths
from federation.gateway import Gateway
from federation.planner.path import EACH, Key, OfTypes, path_text
from tests.planner.test_plans import SHOP
from tests.supergraphs import supergraph

PATH = (Key("search"), EACH, OfTypes(frozenset({"Movie", "Book"})))


def test_steps_print_as_apollo_paths() -> None:
    assert path_text(PATH) == "search.@.|Book,Movie"
    assert path_text((Key("a"), EACH, EACH, Key("b"))) == "a.@.@.b"
    assert path_text(()) == ""


def test_plans_carry_steps_and_print_strings() -> None:
    plan = Gateway.from_sdl(supergraph(["products", "reviews"], SHOP)).plan("{ topProducts { reviews { body } } }")
    assert plan.node is not None
    flatten = plan.to_json()["node"]["nodes"][1]
    assert flatten["kind"] == "Flatten" and flatten["path"] == ["topProducts", "@"]
    assert 'Flatten(path: "topProducts.@")' in plan.to_text()


def _data() -> dict[str, Any]:
    return {"search": [
        {"__typename": "Book", "isbn": "1"},
        None,
        {"__typename": "Person", "name": "x"},
        {"isbn": "2"},  # no __typename: kept, the subgraph was asked for one type only
        {"__typename": "Movie", "id": "m"},
    ]}


def test_collect_follows_the_steps() -> None:
    data = _data()
    found = collect(data, PATH)
    assert found == [data["search"][0], data["search"][3], data["search"][4]]
    assert collect(data, (Key("search"), EACH, OfTypes(frozenset({"Person"})))) == data["search"][2:4]
    assert collect(data, (Key("missing"), EACH)) == []
    assert collect({"a": [[{"b": {"c": 1}}, None], None]}, (Key("a"), EACH, EACH, Key("b"))) == [{"c": 1}]


def test_collect_paths_names_each_object_by_its_response_path() -> None:
    data = _data()
    paths = collect_paths(data, PATH)
    assert sorted(paths.values()) == [["search", 0], ["search", 3], ["search", 4]]
    assert paths[id(data["search"][4])] == ["search", 4]
