"""Reading supergraphs: link/join versions, renames, refused features, the API schema clients see."""

from __future__ import annotations

import asyncio

import pytest
from graphql import print_schema

from federation.errors import UNSUPPORTED_FEATURE, SupergraphError
from federation.gateway import Gateway
from federation.request import GraphQLRequest
from federation.supergraph.api_schema import build_api_schema
from federation.supergraph.model import load_supergraph
from tests.supergraphs import supergraph

TYPES = '''
type Query @join__type(graph: A) @join__type(graph: B) {
  "The products on sale"
  products: [Product!]! @join__field(graph: A)
  old: Int @join__field(graph: A) @deprecated(reason: "use products")
  secret: String @join__field(graph: A) @inaccessible
}
type Product @join__type(graph: A, key: "id") @join__type(graph: B, key: "id") {
  id: ID!
  price: Int @join__field(graph: B)
  internal: Internal @join__field(graph: B) @inaccessible
}
type Internal @join__type(graph: B) @inaccessible { x: Int }
enum Color @join__type(graph: A) { RED GREEN BLUE @inaccessible }
'''


def test_api_schema_hides_machinery_and_inaccessible_parts() -> None:
    sg = load_supergraph(supergraph(["a", "b"], TYPES))
    printed = print_schema(build_api_schema(sg.document, sg.links))
    assert "join__" not in printed and "link__" not in printed and "@link" not in printed
    assert "secret" not in printed and "Internal" not in printed and "internal" not in printed
    assert "BLUE" not in printed and "GREEN" in printed
    assert '"""The products on sale"""' in printed or '"The products on sale"' in printed
    assert '@deprecated(reason: "use products")' in printed


def test_introspection_is_answered_by_the_gateway() -> None:
    gateway = Gateway.from_sdl(supergraph(["a", "b"], TYPES))
    query = '{ __schema { queryType { name } } __type(name: "Product") { fields { name } } }'
    body = asyncio.run(gateway.execute(GraphQLRequest(query))).body
    assert body == {"data": {"__schema": {"queryType": {"name": "Query"}},
                             "__type": {"fields": [{"name": "id"}, {"name": "price"}]}}}


def test_link_as_renames_join() -> None:
    sdl = supergraph(["a", "b"], TYPES.replace("@inaccessible", "")).replace(
        'join/v0.3", for: EXECUTION)', 'join/v0.3", as: "j", for: EXECUTION)').replace("join__", "j__")
    sg = load_supergraph(sdl)
    assert set(sg.subgraphs) == {"A", "B"}
    assert sg.field_graphs("Product", "price") == ["B"]
    assert [k.fields for k in sg.keys("Product", "A")] == ["id"]


@pytest.mark.parametrize("version", ["0.2", "0.3", "0.4", "0.5"])
def test_join_versions(version: str) -> None:
    sdl = supergraph(["a", "b"], TYPES.replace("@inaccessible", "")).replace("join/v0.3", f"join/v{version}")
    plan = Gateway.from_sdl(sdl).plan_text("{ products { price } }")
    assert 'Fetch(service: "b")' in plan


def test_unknown_execution_feature_is_refused() -> None:
    sdl = supergraph(["a"], "type Query @join__type(graph: A) { x: Int }").replace(
        '@link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)',
        '@link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)\n'
        '  @link(url: "https://example.com/magic/v1.0", for: EXECUTION)')
    with pytest.raises(SupergraphError) as raised:
        load_supergraph(sdl)
    assert raised.value.code == UNSUPPORTED_FEATURE
    assert "magic" in raised.value.message


def test_unknown_feature_without_purpose_is_accepted() -> None:
    sdl = supergraph(["a"], "type Query @join__type(graph: A) { x: Int }").replace(
        '@link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)',
        '@link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)\n'
        '  @link(url: "https://example.com/docs/v1.0")')
    assert load_supergraph(sdl).subgraphs


def test_legacy_core_feature_links_join() -> None:
    """join v0.1 supergraphs name their features with ``@core(feature:)`` instead of ``@link(url:)``."""
    sdl = supergraph(["a", "b"], TYPES.replace("@inaccessible", "")).replace(
        '@link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)',
        '@core(feature: "https://specs.apollo.dev/join/v0.1", as: "j", for: EXECUTION)').replace("join__", "j__")
    sg = load_supergraph(sdl)
    assert sg.join_version == (0, 1)
    assert sg.field_graphs("Product", "price") == ["B"]
    assert sg.graph_name("A") == "a" and sg.subgraphs["B"].url == "http://127.0.0.1:9/b"


def test_a_link_url_that_names_no_feature_is_refused() -> None:
    sdl = supergraph(["a"], "type Query @join__type(graph: A) { x: Int }").replace(
        '@link(url: "https://specs.apollo.dev/link/v1.0")', '@link(url: "https://specs.apollo.dev/link")')
    with pytest.raises(SupergraphError, match="not a feature URL"):
        load_supergraph(sdl)


def test_not_a_supergraph() -> None:
    with pytest.raises(SupergraphError, match="join"):
        load_supergraph("type Query { x: Int }")
    with pytest.raises(SupergraphError, match="not valid GraphQL"):
        load_supergraph("type Query {")


def test_federation_1_value_types_without_join_type() -> None:
    """Supergraphs composed from Federation 1 subgraphs may leave value types without join__type."""
    types = '''
type Query @join__type(graph: A) @join__type(graph: B) { p: Point @join__field(graph: B) }
type Point { x: Int y: Int }
'''
    plan = Gateway.from_sdl(supergraph(["a", "b"], types)).plan_text("{ p { x y } }")
    assert 'Fetch(service: "b")' in plan and "x" in plan


def test_plan_json() -> None:
    gateway = Gateway.from_sdl(supergraph(["a", "b"], TYPES.replace("@inaccessible", "")))
    plan = gateway.plan_json("{ products { id price } }")
    assert plan["kind"] == "QueryPlan"
    node = plan["node"]
    assert node["kind"] == "Sequence"
    fetch, flatten = node["nodes"]
    assert fetch == {"kind": "Fetch", "serviceName": "a", "operationKind": "query",
                     "operation": "query{products{id __typename}}", "variableUsages": []}
    assert flatten["path"] == ["products", "@"]
    assert flatten["node"]["operation"] == (
        "query($representations:[_Any!]!){_entities(representations:$representations){...on Product{price}}}")


async def test_a_replaced_supergraph_releases_its_connections() -> None:
    gateway = Gateway.from_sdl(supergraph(["a", "b"], TYPES))
    old = gateway._state
    # Other URLs: the same text would be no reload at all, and unchanged pools would be handed over.
    gateway.reload(supergraph({"a": "http://127.0.0.1:9/a2", "b": "http://127.0.0.1:9/b2"}, TYPES))
    await asyncio.sleep(0)  # the old state's client closes in the background, nothing being in flight
    await asyncio.sleep(0)
    assert gateway._retired == [] and gateway._state is not old
    assert old.client.is_closed
    await gateway.aclose()
