# ruff: noqa: E501
"""A small schema with every policy directive, shared by the policy tests."""

from __future__ import annotations

from graphql import GraphQLSchema, build_schema

from federation.policies.directives import DirectivesMetadata, read_directives

SDL = """
directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @requiresScopes(scopes: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @policy(policies: [[String!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION

type Query {
  me: User @authenticated
  user(id: ID!): User
  users(first: Int, last: Int): [User!]! @listSize(slicingArguments: ["first", "last"])
  products(limit: Int): [Product!]! @listSize(assumedSize: 5)
  search(text: String!): [SearchResult!]!
  node(id: ID!): Node
  secret: Secret
  audit: String @requiresScopes(scopes: [["admin"], ["auditor", "read:audit"]])
  ping: String
  expensive: Int @cost(weight: 50)
}

type Mutation {
  addReview(body: String!): Review
}

interface Node { id: ID! }

type User implements Node {
  id: ID!
  name: String
  email: String @requiresScopes(scopes: [["read:email"]])
  ssn: String @policy(policies: [["hr"]])
  reviews: [Review!]!
  friends(first: Int): UserConnection @listSize(slicingArguments: ["first"], sizedFields: ["edges"])
}

type UserConnection { edges: [UserEdge!]! }
type UserEdge { node: User }

type Product implements Node {
  id: ID!
  title: String
  price: Int @cost(weight: 3)
}

type Secret implements Node @authenticated {
  id: ID!
  code: String
}

type Review {
  body: String
  author: User
}

union SearchResult = User | Product | Secret
"""

SCHEMA: GraphQLSchema = build_schema(SDL)
METADATA: DirectivesMetadata = read_directives(SDL)
