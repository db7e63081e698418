"""Field-level authorization: what is removed, the errors and their paths, modes, scopes, policies."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse, print_ast, validate

from federation.errors import UNAUTHORIZED_FIELD_OR_TYPE, RequestError
from federation.policies.authorization import Authorizer, authorize, scopes_from_claims
from tests.policies.schemas import METADATA, SCHEMA

USER = {"sub": "u1"}


def run(query: str, claims: dict[str, Any] | None = None, policies: dict[str, bool] | None = None, **kw: Any):  # type: ignore[no-untyped-def]
    return authorize(SCHEMA, METADATA, parse(query), None, kw.pop("variables", {}), claims, policies, **kw)


def paths(result: Any) -> list[list[str]]:
    return [e["path"] for e in result.errors if "path" in e]


def printed(result: Any) -> str:
    return " ".join(print_ast(result.document).split())


def test_anonymous_loses_authenticated_field_with_error_and_path() -> None:
    result = run("{ me { id } ping }")
    assert printed(result) == "{ ping }"
    assert result.errors == [
        {
            "message": "Unauthorized field or type",
            "path": ["me"],
            "extensions": {"code": UNAUTHORIZED_FIELD_OR_TYPE},
        }
    ]
    assert result.key == (("me",),)


def test_authenticated_user_keeps_it_and_gets_the_same_document_back() -> None:
    document = parse("{ me { id } ping }")
    result = authorize(SCHEMA, METADATA, document, None, {}, USER)
    assert result.document is document
    assert result.errors == [] and result.key == ()


def test_paths_use_response_keys_and_no_list_indices() -> None:
    result = run("{ people: users(first: 2) { mail: email reviews { author { email } } } }", USER)
    assert paths(result) == [["people", "mail"], ["people", "reviews", "author", "email"]]


def test_empty_selection_set_gets_typename() -> None:
    result = run("{ user(id: 1) { email } }", USER)
    assert printed(result) == "{ user(id: 1) { __typename } }"
    assert not validate(SCHEMA, result.document)


def test_everything_removed_leaves_a_valid_root() -> None:
    result = run("{ me { id } }")
    assert printed(result) == "{ __typename }"
    assert not validate(SCHEMA, result.document)


@pytest.mark.parametrize(
    ("claims", "visible"),
    [
        ({"scope": "admin"}, True),
        ({"scope": "auditor"}, False),
        ({"scope": "auditor read:audit"}, True),
        ({"scp": ["auditor", "read:audit"]}, True),
        ({"scope": ["admin"]}, True),
        ({}, False),
        (None, False),
    ],
)
def test_requires_scopes_is_an_or_of_ands(claims: dict[str, Any] | None, visible: bool) -> None:
    result = run("{ audit ping }", claims)
    assert ("audit" in printed(result)) is visible


def test_scope_claim_name_is_configurable() -> None:
    result = run("{ audit }", {"permissions": "admin"}, scope_claim="permissions")
    assert printed(result) == "{ audit }"
    assert scopes_from_claims({"roles": ["a", "b"]}, "roles") == {"a", "b"}


def test_policies_decide_by_their_results() -> None:
    assert "ssn" in printed(run("{ user(id: 1) { ssn } }", USER, {"hr": True}))
    assert "ssn" not in printed(run("{ user(id: 1) { ssn } }", USER, {"hr": False}))
    assert "ssn" not in printed(run("{ user(id: 1) { ssn } }", USER, {}))


def test_policies_needed_only_lists_touched_ones() -> None:
    authorizer = Authorizer(SCHEMA, METADATA)
    assert authorizer.policies_needed(parse("{ ping }"), None) == set()
    assert authorizer.policies_needed(parse("{ user(id: 1) { ...F } } fragment F on User { ssn }"), None) == {"hr"}


def test_type_level_requirement_applies_to_fields_returning_it() -> None:
    result = run("{ secret { id } ping }")
    assert paths(result) == [["secret"]]


def test_abstract_parent_takes_every_possible_types_requirements() -> None:
    # node may be a Secret (authenticated), so `id` on Node is denied to anonymous requests ...
    assert paths(run("{ node(id: 1) { id } }")) == [["node", "id"]]
    # ... while a fragment on a public type stays.
    result = run("{ node(id: 1) { ... on Product { id } } }")
    assert result.errors == []


def test_fragment_on_unauthorized_type_is_removed_without_nulling_its_parent() -> None:
    result = run('{ search(text: "x") { ... on Secret { code } ... on Product { title } } }')
    assert printed(result) == '{ search(text: "x") { ... on Product { title } } }'
    [error] = result.errors
    assert "path" not in error
    assert error["extensions"] == {
        "code": UNAUTHORIZED_FIELD_OR_TYPE,
        "type": "Secret",
        "parentPath": ["search"],
    }


def test_named_fragments_are_filtered_once_and_errors_reported_per_use() -> None:
    query = "{ a: user(id: 1) { ...F } b: user(id: 2) { ...F } } fragment F on User { name email }"
    result = run(query, USER)
    assert paths(result) == [["a", "email"], ["b", "email"]]
    assert "fragment F on User { name }" in printed(result)
    assert not validate(SCHEMA, result.document)


def test_unused_fragments_and_other_operations_are_dropped() -> None:
    query = "query A { secret { ...S } ping } query B { ping } fragment S on Secret { code }"
    result = authorize(SCHEMA, METADATA, parse(query), "A", {}, None)
    assert printed(result) == "query A { ping }"
    assert not validate(SCHEMA, result.document)


def test_skipped_fields_are_removed_silently() -> None:
    result = run("query($s: Boolean!) { me @skip(if: $s) { id } ping }", variables={"s": True})
    assert result.errors == []
    assert "me" not in printed(result)
    assert result.key  # the document changed, so plans must not be shared with the unfiltered one
    # Unknown values count as included: the field is removed with an error.
    assert paths(run("query($s: Boolean) { me @include(if: $s) { id } }")) == [["me"]]


def test_introspection_and_typename_are_kept() -> None:
    result = run("{ __typename secret { __typename } }")
    assert paths(result) == [["secret"]]
    assert "__typename" in printed(result)


def test_reject_mode_refuses_the_operation() -> None:
    with pytest.raises(RequestError) as info:
        run("{ me { id } audit }", mode="reject")
    assert info.value.code == UNAUTHORIZED_FIELD_OR_TYPE
    assert [e["path"] for e in info.value.graphql_errors()] == [["me"], ["audit"]]
    assert run("{ ping }", mode="reject").errors == []


def test_dry_run_keeps_the_document_and_reports_denials() -> None:
    document = parse("{ me { id } }")
    result = authorize(SCHEMA, METADATA, document, None, {}, None, mode="dry_run")
    assert result.document is document and result.errors == [] and result.key == ()
    assert result.denied == (("me",),)


def test_original_document_is_not_mutated() -> None:
    document = parse("{ user(id: 1) { name email } }")
    before = print_ast(document)
    run_result = authorize(SCHEMA, METADATA, document, None, {}, None)
    assert print_ast(document) == before
    assert print_ast(run_result.document) != before


def test_key_differs_by_what_was_removed() -> None:
    anonymous = run("{ me { id } audit }").key
    user = run("{ me { id } audit }", USER).key
    admin = run("{ me { id } audit }", {"scope": "admin"}).key
    assert len({anonymous, user, admin}) == 3
    assert hash(anonymous) is not None


def test_an_emptied_inline_fragment_is_dropped_not_given_a_typename() -> None:
    result = run("{ node(id: 1) { ... on Product { id } ... on User { email } } }", USER)
    assert printed(result) == "{ node(id: 1) { ... on Product { id } } }"
    assert paths(result) == [["node", "email"]]
    # With nothing else left, the parent gets the __typename.
    assert printed(run("{ node(id: 1) { ... on User { email } } }", USER)) == "{ node(id: 1) { __typename } }"


def test_skipped_inline_fragments_without_type_condition_are_dropped() -> None:
    result = run("{ ping ... @skip(if: true) { me { id } } }")
    assert printed(result) == "{ ping }"
    assert result.errors == []
