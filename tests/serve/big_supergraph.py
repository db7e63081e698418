"""A large generated supergraph (~250 KB): many subgraphs, entity types extended across them.

``hello<N>`` root fields are resolved by subgraph N alone, so a load test can query one subgraph
with a tiny plan while the gateway carries the whole schema; ``t<N>(id:)`` and the entity types
only make the supergraph as large as a real one.
"""

from __future__ import annotations

from collections.abc import Mapping

from tests.supergraphs import supergraph

SUBGRAPHS = 12
FIELDS_PER_TYPE = 12
TARGET_BYTES = 250_000


def _entity(index: int, graph: str, other: str) -> str:
    fields = "\n".join(f"  f{k}: {'Int' if k % 2 else 'String'} @join__field(graph: {graph})"
                       for k in range(FIELDS_PER_TYPE))
    return (f'type T{index} @join__type(graph: {graph}, key: "id") @join__type(graph: {other}, key: "id") {{\n'
            f"  id: ID!\n{fields}\n"
            f"  related: T{index + 1} @join__field(graph: {graph})\n"
            f"  extra: String @join__field(graph: {other})\n"
            f"  tags(first: Int = 10): [String!] @join__field(graph: {other})\n}}\n")


def big_supergraph(urls: Mapping[str, str], extra_query_field: str | None = None) -> str:
    """``urls``: subgraph name (``s0``, ``s1``, ...) -> URL, ``SUBGRAPHS`` of them. An
    ``extra_query_field`` on subgraph s0 makes a supergraph with a different API schema."""
    names = list(urls)
    graphs = [n.upper() for n in names]
    types: list[str] = []
    count = 0
    size = 0
    while size < TARGET_BYTES:
        text = _entity(count, graphs[count % len(graphs)], graphs[(count + 1) % len(graphs)])
        types.append(text)
        size += len(text)
        count += 1
    # The last type's ``related`` needs a type: one more, small, closes the chain.
    types.append(f'type T{count} @join__type(graph: {graphs[0]}, key: "id") {{\n  id: ID!\n}}\n')
    query = [f"  hello{i}: String @join__field(graph: {g})" for i, g in enumerate(graphs)]
    query += [f"  t{i}(id: ID!): T{i} @join__field(graph: {graphs[i % len(graphs)]})" for i in range(count)]
    if extra_query_field:
        query.append(f"  {extra_query_field}: String @join__field(graph: {graphs[0]})")
    join_types = " ".join(f"@join__type(graph: {g})" for g in graphs)
    head = f"type Query {join_types} {{\n" + "\n".join(query) + "\n}\n"
    return supergraph(dict(zip(names, urls.values(), strict=True)), head + "".join(types))


def subgraph_names() -> list[str]:
    return [f"s{i}" for i in range(SUBGRAPHS)]
