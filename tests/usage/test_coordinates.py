"""Schema coordinates of an operation, rule by rule (federation/usage/coordinates.py): a schema, an
operation, the exact set it uses."""

from __future__ import annotations

import hashlib

import pytest
from graphql import build_schema, parse, print_ast, validate

from federation.config import LimitsConfig
from federation.operation.normalize import normalize
from federation.pipeline.document import check
from federation.usage.coordinates import operation_usage

SCHEMA = build_schema("""
type Query {
  products(first: Int, filter: ProductFilter, color: Color): [Product!]!
  node(id: ID!): Node
  search(term: String!): [SearchResult!]!
  me: User
}
type Mutation { addProduct(input: ProductInput!): Product }
interface Node { id: ID! }
type Product implements Node { id: ID! name: String price(currency: Currency = EUR): Float color: Color }
type User implements Node { id: ID! name: String orders(status: [Status!]): [Order!]! }
type Order { id: ID! }
union SearchResult = Product | User
enum Color { RED GREEN BLUE }
enum Currency { EUR USD }
enum Status { OPEN SHIPPED }
input ProductFilter { name: String, color: Color, price: PriceRange, and: [ProductFilter!] }
input PriceRange { min: Float, max: Float }
input ProductInput { name: String!, color: Color }
""")


def used(query: str, operation_name: str | None = None) -> set[str]:
    document = parse(query)
    assert not validate(SCHEMA, document)
    return set(operation_usage(SCHEMA, normalize(document, operation_name)).coordinates)


def test_fields_and_their_types() -> None:
    assert used("{ products { id name } }") == {
        "Query", "Query.products", "Product", "Product.id", "Product.name", "ID", "String"}


def test_aliases_count_by_field_name() -> None:
    assert used("{ cheap: products { label: name } dear: products { name } }") == {
        "Query", "Query.products", "Product", "Product.name", "String"}


def test_literal_arguments_enum_values_and_input_fields() -> None:
    query = '{ products(first: 3, color: RED, filter: {name: "x", price: {min: 1}}) { price(currency: USD) } }'
    assert used(query) == {
        "Query", "Query.products", "Query.products(first:)", "Query.products(color:)", "Query.products(filter:)",
        "Int", "Color", "Color.RED", "ProductFilter", "ProductFilter.name", "ProductFilter.price", "String",
        "PriceRange", "PriceRange.min", "Float", "Product", "Product.price", "Product.price(currency:)",
        "Currency", "Currency.USD"}


def test_lists_of_enum_values_and_nested_input_lists() -> None:
    coords = used('{ me { orders(status: [OPEN]) { id } } products(filter: {and: [{color: BLUE}]}) { id } }')
    assert {"User.orders(status:)", "Status", "Status.OPEN", "ProductFilter.and", "ProductFilter.color",
            "Color.BLUE"} <= coords
    assert "Status.SHIPPED" not in coords and "ProductFilter.name" not in coords


def test_defaulted_arguments_are_not_used() -> None:
    coords = used("{ products { price } }")
    assert "Product.price(currency:)" not in coords and "Currency" not in coords and "Currency.EUR" not in coords


def test_variables_count_the_argument_and_everything_reachable_from_their_type() -> None:
    # The value is per request and never looked at: every input field (and enum value) the variable's
    # type can carry is used, cycles (ProductFilter.and) walked once.
    assert used("query Q($f: ProductFilter, $n: Int) { products(filter: $f, first: $n) { id } }") == {
        "Query", "Query.products", "Query.products(filter:)", "Query.products(first:)", "Product", "Product.id",
        "ID", "Int", "ProductFilter", "ProductFilter.name", "ProductFilter.color", "ProductFilter.price",
        "ProductFilter.and", "String", "Color", "Color.RED", "Color.GREEN", "Color.BLUE", "PriceRange",
        "PriceRange.min", "PriceRange.max", "Float"}


def test_mutation_with_an_input_literal() -> None:
    assert used('mutation { addProduct(input: {name: "n"}) { id } }') == {
        "Mutation", "Mutation.addProduct", "Mutation.addProduct(input:)", "ProductInput", "ProductInput.name",
        "String", "Product", "Product.id", "ID"}


def test_interface_fields_on_the_type_they_are_selected_on() -> None:
    # On the interface: Node.id; inside a fragment on an implementation: that type's own field.
    assert used('{ node(id: "1") { id ... on Product { name } ... on User { id } } }') == {
        "Query", "Query.node", "Query.node(id:)", "ID", "Node", "Node.id", "Product", "Product.name", "String",
        "User", "User.id"}


def test_unions_and_named_fragments() -> None:
    query = """query Q { search(term: "t") { __typename ...P ... on User { name } } }
               fragment P on Product { id color }"""
    assert used(query) == {
        "Query", "Query.search", "Query.search(term:)", "String", "SearchResult", "Product", "Product.id", "ID",
        "Product.color", "Color", "User", "User.name"}


def test_skip_and_include() -> None:
    # Literal conditions are settled by normalisation; a variable condition may include the branch.
    assert used("{ products { id @skip(if: true) name @include(if: false) color } }") == {
        "Query", "Query.products", "Product", "Product.color", "Color"}
    assert used("query($s: Boolean!) { products { name @skip(if: $s) } }") == {
        "Query", "Query.products", "Product", "Product.name", "String", "Boolean"}


def test_introspection_is_not_reported() -> None:
    query = '{ __typename __schema { types { name } } __type(name: "Product") { name } products { __typename } }'
    assert used(query) == {
        "Query", "Query.products", "Product"}


def test_only_the_selected_operation() -> None:
    query = "query A { me { id } } query B { products { id } }"
    assert "User" in used(query, "A") and "Product" not in used(query, "A")
    assert "Product" in used(query, "B") and "User" not in used(query, "B")


def test_identity_hash_name_and_type() -> None:
    document = parse("query Named { me { id } }")
    operation = normalize(document, None)
    usage = operation_usage(SCHEMA, operation)
    assert (usage.name, usage.type) == ("Named", "query")
    assert usage.hash == hashlib.sha256(print_ast(document.definitions[0]).encode()).hexdigest()
    assert list(usage.coordinates) == sorted(usage.coordinates)
    # The same operation written with a fragment normalises, and hashes, the same.
    spread = normalize(parse("query Named { me { ...F } } fragment F on User { id }"), None)
    assert operation_usage(SCHEMA, spread).coordinates == usage.coordinates


@pytest.mark.parametrize("usage", [False, True])
def test_the_document_stage_computes_it_only_when_asked(usage: bool) -> None:
    checked = check(SCHEMA, LimitsConfig(), True, "{ me { id } }", None, usage=usage)
    assert (checked.usage is not None) is usage
