"""Supergraphs written inline: the subgraphs' names and URLs, and the types; the header is added."""

from __future__ import annotations

from collections.abc import Mapping

_HEADER = '''schema
  @link(url: "https://specs.apollo.dev/link/v1.0")
  @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
  @link(url: "https://specs.apollo.dev/inaccessible/v0.2", for: SECURITY)
{{
  query: Query
{mutation}}}

directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR \\
| ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
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


def supergraph(urls: Mapping[str, str], types: str) -> str:
    """``urls``: subgraph name -> URL; each name's join__Graph value is the name upper-cased."""
    graphs = "\n".join(f'  {name.upper()} @join__graph(name: "{name}", url: "{url}")' for name, url in urls.items())
    mutation = "  mutation: Mutation\n" if "type Mutation" in types else ""
    return _HEADER.replace("\\\n", "").format(graphs=graphs, mutation=mutation) + types


# Products lists products; reviews adds their reviews (an entity hop on Product's key).
SHOP = """
type Query @join__type(graph: PRODUCTS) @join__type(graph: REVIEWS) {
  topProducts(first: Int = 3): [Product!]! @join__field(graph: PRODUCTS)
  product(upc: ID!): Product @join__field(graph: PRODUCTS)
  latestReviews: [Review] @join__field(graph: REVIEWS)
}

type Mutation @join__type(graph: PRODUCTS) {
  addProduct(name: String!): Product @join__field(graph: PRODUCTS)
}

type Product @join__type(graph: PRODUCTS, key: "upc") @join__type(graph: REVIEWS, key: "upc") {
  upc: ID!
  name: String @join__field(graph: PRODUCTS)
  price: Int! @join__field(graph: PRODUCTS)
  category: Category @join__field(graph: PRODUCTS)
  tags: [String!] @join__field(graph: PRODUCTS)
  reviews: [Review!] @join__field(graph: REVIEWS)
}

type Review @join__type(graph: REVIEWS) {
  id: ID!
  body: String!
  rating: Int
}

enum Category @join__type(graph: PRODUCTS) {
  BOOKS @join__enumValue(graph: PRODUCTS)
  TOYS @join__enumValue(graph: PRODUCTS)
  SECRET @join__enumValue(graph: PRODUCTS) @inaccessible
}
"""
