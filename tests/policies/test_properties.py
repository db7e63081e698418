"""Property tests: authorization never leaks, and no input makes the policy stages fail badly.

The default run is capped (``FUZZ_EXAMPLES``, 200 by default) to keep ``make test`` fast; the
closing figures come from ``FUZZ_EXAMPLES=10000 pytest tests/policies/test_properties.py``.
"""

from __future__ import annotations

import os
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    InlineFragmentNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    parse,
    validate,
    visit,
)
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from federation.errors import RequestError
from federation.policies.authorization import authorize
from federation.policies.config import LimitsConfig
from federation.policies.cost import estimate_cost
from federation.policies.directives import DirectivesMetadata
from federation.policies.limits import check_limits, parse_document
from tests.policies.generators import operations, visible_types
from tests.policies.schemas import METADATA, SCHEMA

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))

SCOPES = ["admin", "auditor", "read:audit", "read:email"]


# -- an independent oracle: may these claims see this coordinate? ---------------------------


def allowed(metadata: DirectivesMetadata, coordinate: str, claims: dict[str, Any] | None, hr: bool) -> bool:
    requirement = metadata.requirements.get(coordinate)
    if requirement is None:
        return True
    scopes = set(str((claims or {}).get("scope", "")).split())
    if requirement.authenticated and claims is None:
        return False
    if any(not any(group <= scopes for group in any_set) for any_set in requirement.scopes):
        return False
    return all(any(all(p == "hr" and hr for p in group) for group in any_set) for any_set in requirement.policies)


def leaks(document: DocumentNode, claims: dict[str, Any] | None, hr: bool) -> list[str]:
    """Coordinates in ``document`` that the claims may not see."""
    info = TypeInfo(SCHEMA)
    found: list[str] = []

    class Check(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            parent = info.get_parent_type()
            definition = info.get_field_def()
            if parent is None or definition is None or node.name.value.startswith("__"):
                return
            returned = get_named_type(definition.type)
            coordinates = [returned.name]
            for owner in visible_types(SCHEMA, parent):
                coordinates += [owner.name, f"{owner.name}.{node.name.value}"]
            found.extend(c for c in coordinates if not allowed(METADATA, c, claims, hr))

        def enter_inline_fragment(self, node: InlineFragmentNode, *_: Any) -> None:
            if node.type_condition and not allowed(METADATA, node.type_condition.name.value, claims, hr):
                found.append(node.type_condition.name.value)

        def enter_fragment_definition(self, node: FragmentDefinitionNode, *_: Any) -> None:
            if not allowed(METADATA, node.type_condition.name.value, claims, hr):
                found.append(node.type_condition.name.value)

    visit(document, TypeInfoVisitor(info, Check()))
    return found


claims_strategy = st.one_of(
    st.none(),
    st.builds(lambda s: {"sub": "u", "scope": " ".join(s)}, st.lists(st.sampled_from(SCOPES), unique=True)),
)


@FUZZ
@given(query=operations(), claims=claims_strategy, hr=st.booleans())
def test_filtered_documents_never_hold_what_the_token_may_not_see(
    query: str, claims: dict[str, Any] | None, hr: bool
) -> None:
    document = parse(query)
    if validate(SCHEMA, document):
        event("skipped: does not validate")  # e.g. fields that cannot merge; refused before authorization
        return
    result = authorize(SCHEMA, METADATA, document, None, {}, claims, {"hr": hr})
    event("checked: something removed" if result.denied else "checked: nothing removed")
    assert leaks(result.document, claims, hr) == []
    assert validate(SCHEMA, result.document) == []
    # Whatever was denied is reported, and nothing is reported that was allowed.
    assert bool(result.errors) == bool(result.denied)
    if not leaks(document, claims, hr):
        assert result.errors == []


@FUZZ
@given(query=operations(), claims=claims_strategy)
def test_reject_mode_refuses_exactly_what_filter_mode_would_filter(query: str, claims: dict[str, Any] | None) -> None:
    document = parse(query)
    if validate(SCHEMA, document):
        return
    filtered = authorize(SCHEMA, METADATA, document, None, {}, claims, {})
    try:
        authorize(SCHEMA, METADATA, document, None, {}, claims, {}, mode="reject")
        assert filtered.errors == []
    except RequestError as exc:
        assert exc.graphql_errors() == filtered.errors


# -- robustness: anything in, only RequestError out ------------------------------------------

LIMITS = LimitsConfig(max_depth=20, max_height=200, max_aliases=30, max_root_fields=20, max_tokens=2000)
NOISE = '{}()[]:!$@.,="#\n abcxyz019_...on fragment query mutation'


def stages(text: str) -> None:
    try:
        document = parse_document(text, LIMITS)
        check_limits(document, None, LIMITS)
        authorize(SCHEMA, METADATA, document, None, {}, None, {})
        estimate_cost(SCHEMA, METADATA, document, None, {})
        event("accepted")
    except RequestError as exc:
        assert exc.status == 400
        event(f"refused: {exc.code}")


@FUZZ
@given(data=st.binary(max_size=2000))
def test_random_bytes_only_raise_request_errors(data: bytes) -> None:
    stages(data.decode("utf-8", errors="replace"))


@FUZZ
@given(text=st.text(alphabet=NOISE, max_size=400))
def test_graphql_looking_noise_only_raises_request_errors(text: str) -> None:
    stages(text)


@FUZZ
@given(
    depth=st.integers(1, 20000),
    opener=st.sampled_from(["{ a ", "{ user(id: 1) ", "[", "{a: ", "(x: ", "... on User { "]),
    closed=st.booleans(),
)
def test_deeply_nested_documents_only_raise_request_errors(depth: int, opener: str, closed: bool) -> None:
    closer = {"{": "}", "[": "]", "(": ")", ".": "}"}[opener.strip()[0]] if closed else ""
    stages("{ f" + opener * depth + closer * depth + " }")


@FUZZ
@given(width=st.integers(1, 3000), fragments=st.integers(0, 200))
def test_huge_documents_only_raise_request_errors(width: int, fragments: int) -> None:
    chain = "".join(f"fragment F{i} on User {{ ...F{i + 1} ...F{i + 1} name }}" for i in range(fragments))
    chain += f" fragment F{fragments} on User {{ name }}"
    stages("{ " + " ".join(f"a{i}: ping" for i in range(width)) + " user(id: 1) { ...F0 } } " + chain)


@FUZZ
@given(query=operations())
def test_fragment_chains_and_valid_operations_never_fail_unexpectedly(query: str) -> None:
    stages(query)
