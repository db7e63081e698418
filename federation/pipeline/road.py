"""The road every request takes, in order. Each stage is a module of this package; each returns the
checked value the next one accepts, and any stage may refuse the request with a ``RequestError``
before a subgraph is called (stages 1-7). Stage 10 counts the request for the usage report when
usage reporting is on (off: a None check). A subscription takes the same stages 1-7 (``subscribe``),
then streams its events: stages 8 and 9 run once per event (``federation.subscriptions``). With
tracing on, stages 3 to 8 of a query or mutation have spans (``stage``: off, a shared no-op context
manager)."""

from __future__ import annotations

from federation.errors import SUBSCRIPTION_NEEDS_STREAM, RequestError
from federation.observability.tracing import stage
from federation.pipeline.authenticate import authenticate
from federation.pipeline.authorize import authorize
from federation.pipeline.cost import check_cost
from federation.pipeline.document import CheckedDocument, check_document, resolve_text
from federation.pipeline.execute import execute
from federation.pipeline.explain import explain
from federation.pipeline.plan import plan
from federation.pipeline.rate_limit import rate_limit
from federation.pipeline.respond import respond
from federation.pipeline.state import ServingState
from federation.pipeline.usage import record_usage
from federation.pipeline.variables import coerce_variables
from federation.request import GraphQLRequest, GraphQLResponse, RequestContext, ResponseStream
from federation.subscriptions.feed import hub_of


async def run(state: ServingState, request: GraphQLRequest, context: RequestContext) -> GraphQLResponse:
    policies = state.policies
    trace = context.trace                                         # spans: None unless tracing is on
    await authenticate(policies, context)                         # 1. token -> claims (401)
    await rate_limit(policies, context)                           # 2. client over its budget (429)
    with stage(trace, "parse_validate"):
        text = await resolve_text(policies, request)              # 3. persisted queries -> text,
        checked = await check_document(state, text, request)      #    parsed, limited, validated
    if trace is not None:                                         #    the request span names the operation
        trace.operation(checked, text)
    if checked.operation.operation == "subscription":
        return await subscribe(state, checked, request, context)     #    stages 4-7, then a stream
    try:
        with stage(trace, "authorize"):
            authorized = await authorize(policies, checked, request, context)  # 4. what the caller may see
        with stage(trace, "plan"):
            planned = await plan(state, authorized, context.incremental)  # 5. query plan and response shape
        with stage(trace, "cost"):
            variables = coerce_variables(state, planned, request)     # 6. variable values
            check_cost(policies, planned, variables, context)         # 7. demand control
        with stage(trace, "execute"):
            executed = await execute(state, planned, variables, context)  # 8. subgraph fetches
        response = respond(state, planned, variables, executed, context)  # 9. shaped answer
        response = explain(state, planned, variables, context, response)   # 9b. plan on request (dev)
    except RequestError:
        if state.usage is not None:                                   # 10. usage: refused, an error
            record_usage(state.usage, checked, context, None)
        raise
    if state.usage is not None:                                       # 10. usage: counted (a dict update)
        record_usage(state.usage, checked, context, response)
    return response


async def subscribe(state: ServingState, checked: CheckedDocument, request: GraphQLRequest,
                    context: RequestContext) -> GraphQLResponse:
    """A subscription after stage 3: stages 4-7 as above, then one answer per event in a stream."""
    if not context.incremental:  # the WebSocket session and the HTTP layer's SSE/multipart say so
        raise RequestError('A subscription needs a stream: a WebSocket (graphql-transport-ws), or Accept: '
                           'multipart/mixed;subscriptionSpec="1.0" or text/event-stream.', SUBSCRIPTION_NEEDS_STREAM)
    policies = state.policies
    try:
        authorized = await authorize(policies, checked, request, context)  # 4. what the caller may see
        planned = await plan(state, authorized)                       # 5. root fetch = the subgraph's subscription
        variables = coerce_variables(state, planned, request)         # 6. variable values
        check_cost(policies, planned, variables, context)             # 7. demand control (per event)
        events = hub_of(state).open(state, planned, variables, context)  # per event: 8. fetches, 9. shaped
    except RequestError:
        if state.usage is not None:                                   # 10. usage: refused, an error
            record_usage(state.usage, checked, context, None)
        raise
    response = GraphQLResponse({}, stream=ResponseStream(events, incremental=False))
    if state.usage is not None:                                       # 10. usage: counted once
        record_usage(state.usage, checked, context, response)
    return response
