"""Operation limits: each violation has its own code and answers 400."""

from __future__ import annotations

import pytest
from graphql import OperationDefinitionNode

from federation.errors import (
    GRAPHQL_PARSE_FAILED,
    MAX_ALIASES_LIMIT,
    MAX_DEFINITIONS_LIMIT,
    MAX_DEPTH_LIMIT,
    MAX_EXPANDED_FIELDS_LIMIT,
    MAX_HEIGHT_LIMIT,
    MAX_RECURSION_LIMIT,
    MAX_ROOT_FIELDS_LIMIT,
    MAX_TOKENS_LIMIT,
    RequestError,
)
from federation.operation.select import find_operation as select_operation
from federation.policies.config import LimitsConfig
from federation.policies.limits import check_limits, expanded_fields, measure_operation, parse_document


def measure(query: str, name: str | None = None):  # type: ignore[no-untyped-def]
    document = parse_document(query)
    operation = select_operation(document, name)
    assert operation is not None
    return measure_operation(document, operation)


def test_measures_depth_height_aliases_root_fields() -> None:
    m = measure("{ a { b { c } d } e: a { b { c } } f }")
    assert m.depth == 3
    # root {a, f} = 2; a's set {b, d} merged with e's {b} = 2 + 1; b's sets {c} twice
    assert m.root_fields == 3
    assert m.aliases == 1
    assert m.height == 2 + 2 + 1 + 1 + 1


def test_fragments_are_expanded() -> None:
    m = measure("query Q { ...R } fragment R on Query { a { ...S } } fragment S on A { b { c } x: c }")
    assert m.depth == 3
    assert m.aliases == 1
    assert m.root_fields == 1


def test_fragment_bomb_is_measured_quickly() -> None:
    fragments = (
        "".join(f"fragment F{i} on T {{ ...F{i + 1} ...F{i + 1} a{i}: x }}" for i in range(40))
        + "fragment F40 on T { x }"
    )
    m = measure("{ t { ...F0 } } " + fragments)
    assert m.depth == 2


def test_fragment_cycles_do_not_hang() -> None:
    m = measure("{ t { ...A } } fragment A on T { x ...B } fragment B on T { y { ...A } }")
    assert m.depth >= 2


@pytest.mark.parametrize(
    ("limits", "query", "code"),
    [
        (LimitsConfig(max_depth=2), "{ a { b { c } } }", MAX_DEPTH_LIMIT),
        (LimitsConfig(max_height=2), "{ a b c }", MAX_HEIGHT_LIMIT),
        (LimitsConfig(max_aliases=1), "{ x: a y: a }", MAX_ALIASES_LIMIT),
        (LimitsConfig(max_root_fields=2), "{ a b c }", MAX_ROOT_FIELDS_LIMIT),
    ],
)
def test_each_limit_has_its_code(limits: LimitsConfig, query: str, code: str) -> None:
    with pytest.raises(RequestError) as info:
        check_limits(parse_document(query), None, limits)
    assert info.value.code == code
    assert info.value.status == 400


def test_within_limits_passes() -> None:
    limits = LimitsConfig(max_depth=3, max_height=10, max_aliases=1, max_root_fields=3)
    assert check_limits(parse_document("{ a { b { c } } x: d }"), None, limits) is not None


def test_no_limits_measures_nothing() -> None:
    off = LimitsConfig(max_depth=None, max_height=None, max_aliases=None, max_root_fields=None,
                       max_definitions=None, max_expanded_fields=None)
    assert check_limits(parse_document("{ a { b { c } } }"), None, off) is None


def test_limits_are_on_by_default() -> None:
    assert check_limits(parse_document("{ a { b { c } } }"), None, LimitsConfig()) is not None


def bomb(levels: int) -> str:
    """Each fragment spreads the next twice: 2**levels fields from a document of a few hundred bytes."""
    return "query { me { ...F0 } }\n" + "".join(
        f"fragment F{i} on User {{ ...F{i + 1} ...F{i + 1} }}\n" for i in range(levels)
    ) + f"fragment F{levels} on User {{ id }}\n"


def test_a_fragment_bomb_is_counted_as_expanded_and_refused() -> None:
    document = parse_document(bomb(30))
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    assert expanded_fields(document, operation) == 1 + 2**30  # counted, never expanded
    with pytest.raises(RequestError) as info:
        check_limits(document, None, LimitsConfig())
    assert info.value.code == MAX_EXPANDED_FIELDS_LIMIT


def test_expanded_fields_count_every_use_of_a_fragment_and_survive_cycles() -> None:
    text = "{ a { ...F } b { ...F ...F } } fragment F on T { x y { z } }"
    document = parse_document(text)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    assert expanded_fields(document, operation) == 2 + 3 * 3
    cyclic = parse_document("{ a { ...F } } fragment F on T { x ...G } fragment G on T { ...F }")
    operation = cyclic.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    assert expanded_fields(cyclic, operation) == 2  # the cycle counts nothing; validation refuses it
    with pytest.raises(RequestError) as info:
        check_limits(document, None, LimitsConfig(max_expanded_fields=10))
    assert info.value.code == MAX_EXPANDED_FIELDS_LIMIT


def test_definitions_are_limited() -> None:
    many = " ".join(f"query Q{i} {{ a }}" for i in range(501))
    with pytest.raises(RequestError) as info:
        check_limits(parse_document(many), "Q1", LimitsConfig())
    assert info.value.code == MAX_DEFINITIONS_LIMIT


def test_token_limit() -> None:
    with pytest.raises(RequestError) as info:
        parse_document("{ a b c d e f }", LimitsConfig(max_tokens=5))
    assert info.value.code == MAX_TOKENS_LIMIT
    parse_document("{ a }", LimitsConfig(max_tokens=5))


def test_recursion_limit() -> None:
    deep = "{ a " * 30 + "}" * 30
    with pytest.raises(RequestError) as info:
        parse_document(deep, LimitsConfig(max_recursion=10))
    assert info.value.code == MAX_RECURSION_LIMIT
    parse_document(deep, LimitsConfig(max_recursion=40))


def test_very_deep_documents_never_reach_the_parser_recursion() -> None:
    for opener in ("{ a ", "[", "(x: "):
        with pytest.raises(RequestError) as info:
            parse_document("{ f" + opener * 5000)
        assert info.value.code == MAX_RECURSION_LIMIT


def test_brackets_in_strings_and_comments_do_not_count() -> None:
    text = '{ a(s: "' + "{" * 200 + '", t: """' + "[" * 200 + '""") # ' + "(" * 200 + "\n}"
    parse_document(text, LimitsConfig(max_recursion=5))


def test_syntax_errors_are_request_errors_with_locations() -> None:
    with pytest.raises(RequestError) as info:
        parse_document("{ a ")
    assert info.value.code == GRAPHQL_PARSE_FAILED
    assert info.value.graphql_errors()[0]["locations"]
