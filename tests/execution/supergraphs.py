"""Supergraphs for the execution tests (the header comes from ``tests.supergraphs``)."""

from __future__ import annotations

from tests.supergraphs import supergraph

__all__ = ["SHOP", "supergraph"]


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
