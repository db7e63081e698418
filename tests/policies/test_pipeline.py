"""The pipeline facade: the stages in the order the gateway calls them."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse, validate

from federation.errors import (
    COST_ESTIMATED_TOO_EXPENSIVE,
    MAX_DEPTH_LIMIT,
    PERSISTED_QUERY_NOT_FOUND,
    UNAUTHENTICATED,
    UNAUTHORIZED_FIELD_OR_TYPE,
    RequestError,
)
from federation.policies import devtoken
from federation.policies.persisted import sha256_hex
from federation.policies.pipeline import PolicyPipeline, load_policy
from federation.request import GraphQLRequest, RequestContext
from tests.policies.policy_functions import CALLS, is_admin
from tests.policies.schemas import SCHEMA, SDL


def pipeline(tmp_path: Any, **sections: Any) -> PolicyPipeline:
    config = {
        "authentication": {"jwks_file": str(devtoken.jwks_path(tmp_path)), "issuers": [devtoken.DEV_ISSUER]},
        "authorization": {"policies": {"hr": "tests.policies.policy_functions:is_hr"}},
        **sections,
    }
    return PolicyPipeline.from_config(config, SDL, SCHEMA)


async def run(p: PolicyPipeline, request: GraphQLRequest, headers: dict[str, str] | None = None) -> Any:
    context = RequestContext(headers=headers or {})
    await p.authenticate(context)
    query = await p.resolve_document(request)
    document = p.parse(query)
    p.check_document(document, request.operation_name)
    assert not validate(SCHEMA, document)
    auth = await p.authorize(document, request.operation_name, request.variables, context)
    cost = p.check_cost(auth.document, request.operation_name, request.variables, context, entity_fetches=1)
    return context, auth, cost


async def test_anonymous_then_with_a_token(tmp_path: Any) -> None:
    p = pipeline(tmp_path)
    request = GraphQLRequest(query="{ me { name email } user(id: 1) { ssn } ping }")
    context, auth, _ = await run(p, request)
    assert context.claims is None
    assert [e["path"] for e in auth.errors] == [["me"], ["user", "ssn"]]
    assert all(e["extensions"]["code"] == UNAUTHORIZED_FIELD_OR_TYPE for e in auth.errors)
    token = devtoken.sign(["read:email"], claims={"hr": True}, keys_dir=tmp_path)
    context, auth, _ = await run(p, request, {"authorization": f"Bearer {token}"})
    assert context.claims is not None and context.claims["scope"] == "read:email"
    assert auth.errors == [] and auth.key == ()
    assert p.authorized_query(request.query or "", None, auth) == request.query


async def test_authorized_query_is_the_filtered_text(tmp_path: Any) -> None:
    p = pipeline(tmp_path)
    request = GraphQLRequest(query="{ me { name } ping }")
    _, auth, _ = await run(p, request)
    text = p.authorized_query(request.query or "", None, auth)
    assert " ".join(text.split()) == "{ ping }"
    assert p.authorized_query(request.query or "", None, auth) is text


async def test_bad_token_is_refused_with_401(tmp_path: Any) -> None:
    p = pipeline(tmp_path)
    with pytest.raises(RequestError) as info:
        await run(p, GraphQLRequest(query="{ ping }"), {"authorization": "Bearer nonsense"})
    assert info.value.code == UNAUTHENTICATED and info.value.status == 401


async def test_only_touched_policies_are_evaluated(tmp_path: Any) -> None:
    p = pipeline(tmp_path)
    CALLS.clear()
    await run(p, GraphQLRequest(query="{ ping }"))
    assert CALLS == []
    await run(p, GraphQLRequest(query="{ user(id: 1) { ssn } }"))
    assert CALLS == ["hr"]


async def test_async_policies_and_failing_policies(tmp_path: Any) -> None:
    p = PolicyPipeline.from_config(
        {}, SDL, SCHEMA, policies={"hr": load_policy("tests.policies.policy_functions:broken")}
    )
    _, auth, _ = await run(p, GraphQLRequest(query="{ user(id: 1) { ssn } }"))
    assert [e["path"] for e in auth.errors] == [["user", "ssn"]]
    p = PolicyPipeline.from_config({}, SDL, SCHEMA, policies={"hr": is_admin})
    _, auth, _ = await run(p, GraphQLRequest(query="{ user(id: 1) { ssn } }"), {"x-admin": "yes"})
    assert auth.errors == []


def test_load_policy_errors() -> None:
    for reference in (
        "nomodule",
        "tests.policies.policy_functions:",
        "tests.policies.policy_functions:CALLS",
    ):
        with pytest.raises(ValueError):
            load_policy(reference)


async def test_limits_and_persisted_queries(tmp_path: Any) -> None:
    p = pipeline(tmp_path, limits={"max_depth": 2})
    with pytest.raises(RequestError) as info:
        await run(p, GraphQLRequest(query="{ user(id: 1) { reviews { body } } }"))
    assert info.value.code == MAX_DEPTH_LIMIT
    query = "{ ping }"
    hashed = GraphQLRequest(query=None, extensions={"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(query)}})
    with pytest.raises(RequestError) as info:
        await run(p, hashed)
    assert info.value.code == PERSISTED_QUERY_NOT_FOUND
    await run(p, GraphQLRequest(query=query, extensions=hashed.extensions))
    await run(p, hashed)


async def test_cost_is_measured_and_enforced(tmp_path: Any) -> None:
    p = pipeline(tmp_path, demand_control={"mode": "measure", "max_cost": 10, "expose_in_extensions": True})
    request = GraphQLRequest(query="{ users(first: 20) { name } }")
    context, auth, cost = await run(p, request)
    assert cost == 20 + 1  # + one entity fetch
    data = {"users": [{"name": "a"}, {"name": "b"}]}
    extensions = p.response_extensions(auth.document, None, None, context, data)
    assert extensions == {
        "cost": {
            "estimated": 21,
            "actual": 2,
            "mode": "measure",
            "max": 10,
            "result": "COST_ESTIMATED_TOO_EXPENSIVE",
        }
    }
    p = pipeline(tmp_path, demand_control={"mode": "enforce", "max_cost": 10})
    with pytest.raises(RequestError) as info:
        await run(p, request)
    assert info.value.code == COST_ESTIMATED_TOO_EXPENSIVE
    context, auth, cost = await run(p, GraphQLRequest(query="{ users(first: 5) { name } }"))
    assert cost == 6
    assert p.response_extensions(auth.document, None, None, context, {}) is None


async def test_nothing_configured_and_no_directives_is_a_pass_through() -> None:
    sdl = "type Query { a: Int b: [Int] }"
    from graphql import build_schema

    p = PolicyPipeline.from_config(None, sdl, build_schema(sdl))
    assert not p.authorization_active and not p.cost_active
    document = parse("{ a b }")
    context = RequestContext()
    assert await p.authenticate(context) is None
    auth = await p.authorize(document, None, None, context)
    assert auth.document is document
    assert p.check_cost(document, None, None, context) == 0
    assert context.attributes == {}


async def test_for_schema_keeps_the_apq_store(tmp_path: Any) -> None:
    p = pipeline(tmp_path)
    query = "{ ping }"
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(query)}}
    await p.resolve_document(GraphQLRequest(query=query, extensions=extensions))
    reloaded = p.for_schema(SDL, SCHEMA)
    assert await reloaded.resolve_document(GraphQLRequest(query=None, extensions=extensions)) == query
    await reloaded.start()
    await reloaded.aclose()
