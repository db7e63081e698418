"""The policy stages of the request road, each called as the road calls it, over a plain schema
with every policy directive (no subgraph involved)."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import build_schema

from federation.errors import (
    COST_ESTIMATED_TOO_EXPENSIVE,
    MAX_DEPTH_LIMIT,
    PERSISTED_QUERY_NOT_FOUND,
    UNAUTHENTICATED,
    UNAUTHORIZED_FIELD_OR_TYPE,
    RequestError,
)
from federation.execution.shape import compile_shape
from federation.pipeline.authenticate import authenticate
from federation.pipeline.authorize import AuthorizedOperation, authorize
from federation.pipeline.cost import check_cost
from federation.pipeline.document import check, resolve_text
from federation.pipeline.plan import PlannedOperation
from federation.pipeline.respond import cost_extensions
from federation.pipeline.state import Policies, PolicyServices
from federation.pipeline.variables import Variables
from federation.planner import QueryPlan
from federation.policies import devtoken
from federation.policies.functions import load_policy
from federation.policies.persisted import sha256_hex
from federation.request import GraphQLRequest, RequestContext
from tests.policies.policy_functions import CALLS, is_admin
from tests.policies.schemas import SCHEMA, SDL


def policies(tmp_path: Any, **sections: Any) -> Policies:
    config = {
        "authentication": {"jwks_file": str(devtoken.jwks_path(tmp_path)), "issuers": [devtoken.DEV_ISSUER]},
        "authorization": {"policies": {"hr": "tests.policies.policy_functions:is_hr"}},
        **sections,
    }
    return Policies(PolicyServices(config), SDL, SCHEMA)


def planned(authorized: AuthorizedOperation, entity_fetches: int = 1) -> PlannedOperation:
    """A stand-in for the plan stage, which needs a supergraph: a plan with that many entity fetches."""
    selections = authorized.checked.operation.selection_set.selections
    return PlannedOperation(authorized, QueryPlan(None, 0, entity_fetches),
                            compile_shape(SCHEMA, authorized.checked.root_type, selections))


async def run(p: Policies, request: GraphQLRequest,
              headers: dict[str, str] | None = None) -> tuple[RequestContext, AuthorizedOperation, float | None]:
    """Stages 1-3 and 6 in the road's order."""
    context = RequestContext(headers=headers or {})
    await authenticate(p, context)
    text = await resolve_text(p, request)
    checked = check(SCHEMA, p.config.limits, True, text, request.operation_name)
    authorized = await authorize(p, checked, request, context)
    variables = Variables(request.variables or {}, dict(request.variables or {}), dict(request.variables or {}))
    return context, authorized, check_cost(p, planned(authorized), variables, context)


async def test_anonymous_then_with_a_token(tmp_path: Any) -> None:
    p = policies(tmp_path)
    request = GraphQLRequest(query="{ me { name email } user(id: 1) { ssn } ping }")
    context, auth, _ = await run(p, request)
    assert context.claims is None
    assert [e["path"] for e in auth.errors] == [["me"], ["user", "ssn"]]
    assert all(e["extensions"]["code"] == UNAUTHORIZED_FIELD_OR_TYPE for e in auth.errors)
    assert auth.key and auth.document is not auth.checked.document
    token = devtoken.sign(["read:email"], claims={"hr": True}, keys_dir=tmp_path)
    context, auth, _ = await run(p, request, {"authorization": f"Bearer {token}"})
    assert context.claims is not None and context.claims["scope"] == "read:email"
    assert auth.errors == [] and auth.key == ()
    assert auth.document is auth.checked.document


async def test_bad_token_is_refused_with_401(tmp_path: Any) -> None:
    p = policies(tmp_path)
    with pytest.raises(RequestError) as info:
        await run(p, GraphQLRequest(query="{ ping }"), {"authorization": "Bearer nonsense"})
    assert info.value.code == UNAUTHENTICATED and info.value.status == 401


async def test_only_touched_policies_are_evaluated(tmp_path: Any) -> None:
    p = policies(tmp_path)
    CALLS.clear()
    await run(p, GraphQLRequest(query="{ ping }"))
    assert CALLS == []
    await run(p, GraphQLRequest(query="{ user(id: 1) { ssn } }"))
    assert CALLS == ["hr"]


async def test_async_policies_and_failing_policies(tmp_path: Any) -> None:
    broken = PolicyServices({}, functions={"hr": load_policy("tests.policies.policy_functions:broken")})
    _, auth, _ = await run(Policies(broken, SDL, SCHEMA), GraphQLRequest(query="{ user(id: 1) { ssn } }"))
    assert [e["path"] for e in auth.errors] == [["user", "ssn"]]
    admin = Policies(PolicyServices({}, functions={"hr": is_admin}), SDL, SCHEMA)
    _, auth, _ = await run(admin, GraphQLRequest(query="{ user(id: 1) { ssn } }"), {"x-admin": "yes"})
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
    p = policies(tmp_path, limits={"max_depth": 2})
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
    p = policies(tmp_path, demand_control={"mode": "measure", "max_cost": 10, "expose_in_extensions": True})
    request = GraphQLRequest(query="{ users(first: 20) { name } }")
    context, auth, cost = await run(p, request)
    assert cost == 20 + 1  # + one entity fetch
    data = {"users": [{"name": "a"}, {"name": "b"}]}
    extensions = cost_extensions(p, planned(auth), Variables({}, {}, {}), context, data)
    assert extensions == {
        "cost": {
            "estimated": 21,
            "actual": 2,
            "mode": "measure",
            "max": 10,
            "result": "COST_ESTIMATED_TOO_EXPENSIVE",
        }
    }
    p = policies(tmp_path, demand_control={"mode": "enforce", "max_cost": 10})
    with pytest.raises(RequestError) as info:
        await run(p, request)
    assert info.value.code == COST_ESTIMATED_TOO_EXPENSIVE
    context, auth, cost = await run(p, GraphQLRequest(query="{ users(first: 5) { name } }"))
    assert cost == 6
    assert cost_extensions(p, planned(auth), Variables({}, {}, {}), context, {}) is None


async def test_nothing_configured_and_no_directives_is_a_pass_through() -> None:
    sdl = "type Query { a: Int b: [Int] }"
    schema = build_schema(sdl)
    p = Policies(PolicyServices(None), sdl, schema)
    assert not p.authorizer.active and not p.cost_active
    context = RequestContext()
    assert await authenticate(p, context) is None
    checked = check(schema, p.config.limits, True, "{ a b }", None)
    auth = await authorize(p, checked, GraphQLRequest(query="{ a b }"), context)
    assert auth.document is checked.document and auth.key == ()
    assert check_cost(p, planned(auth), Variables({}, {}, {}), context) is None
    assert context.attributes == {}


async def test_a_new_schema_keeps_the_apq_store(tmp_path: Any) -> None:
    services = PolicyServices({})
    query = "{ ping }"
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(query)}}
    await resolve_text(Policies(services, SDL, SCHEMA), GraphQLRequest(query=query, extensions=extensions))
    reloaded = Policies(services, SDL, SCHEMA)
    assert await resolve_text(reloaded, GraphQLRequest(query=None, extensions=extensions)) == query
    await services.start()
    await services.aclose()
