"""Write supergraphs inline in tests: the subgraph list and the types; the link/join header is added."""

from __future__ import annotations

_HEADER = '''schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
{{
  query: Query
{mutation}}}

directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, \\
external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, \\
resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) \\
repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
scalar join__FieldSet
scalar link__Import
enum link__Purpose {{ SECURITY EXECUTION }}
enum join__Graph {{
{graphs}
}}
'''


def supergraph(graphs: list[str], types: str) -> str:
    """``graphs``: subgraph names (their enum values are the upper-cased names)."""
    enum = "\n".join(f'  {g.upper()} @join__graph(name: "{g}", url: "http://127.0.0.1:9/{g}")' for g in graphs)
    mutation = "  mutation: Mutation\n" if "type Mutation" in types else ""
    return _HEADER.replace("\\\n", "").format(graphs=enum, mutation=mutation) + types
