"""The road every request takes, in order. Each stage is a module of this package; each returns the
checked value the next one accepts, and any stage may refuse the request with a ``RequestError``
before a subgraph is called (stages 1-7). Stage 10 counts the request for the usage report when
usage reporting is on (off: a None check)."""

from __future__ import annotations

from federation.errors import RequestError
from federation.pipeline.authenticate import authenticate
from federation.pipeline.authorize import authorize
from federation.pipeline.cost import check_cost
from federation.pipeline.document import check_document, resolve_text
from federation.pipeline.execute import execute
from federation.pipeline.plan import plan
from federation.pipeline.rate_limit import rate_limit
from federation.pipeline.respond import respond
from federation.pipeline.state import ServingState
from federation.pipeline.usage import record_usage
from federation.pipeline.variables import coerce_variables
from federation.request import GraphQLRequest, GraphQLResponse, RequestContext


async def run(state: ServingState, request: GraphQLRequest, context: RequestContext) -> GraphQLResponse:
    policies = state.policies
    await authenticate(policies, context)                         # 1. token -> claims (401)
    await rate_limit(policies, context)                           # 2. client over its budget (429)
    text = await resolve_text(policies, request)                  # 3. persisted queries -> text,
    checked = await check_document(state, text, request)          #    parsed, limited, validated
    try:
        authorized = await authorize(policies, checked, request, context)  # 4. what the caller may see
        planned = await plan(state, authorized, context.incremental)  # 5. query plan and response shape
        variables = coerce_variables(state, planned, request)         # 6. variable values
        check_cost(policies, planned, variables, context)             # 7. demand control
        executed = await execute(state, planned, variables, context)  # 8. subgraph fetches
        response = respond(state, planned, variables, executed, context)  # 9. shaped answer
    except RequestError:
        if state.usage is not None:                                   # 10. usage: refused, an error
            record_usage(state.usage, checked, context, None)
        raise
    if state.usage is not None:                                       # 10. usage: counted (a dict update)
        record_usage(state.usage, checked, context, response)
    return response
