"""Consecutive events completed together: the rest of the plan runs once over the batch, one entity
call per subgraph for all of them, and each event keeps its own answer and errors."""

from __future__ import annotations

from typing import Any

from federation.gateway import Gateway
from federation.pipeline.authorize import AuthorizedOperation
from federation.pipeline.document import check_document_now
from federation.pipeline.plan import plan_now
from federation.pipeline.variables import coerce_variables
from federation.request import GraphQLRequest, RequestContext
from federation.subscriptions.events import run_events, split
from tests.demo.subgraphs import DemoSubgraphs

from .helpers import EVENT, expected


def _event(upc: str, body: str) -> dict[str, Any]:
    """What the reviews subgraph sends for one review (the root fetch's selection)."""
    return {"data": {"reviewAdded": {"body": body, "rating": 4, "product": {"upc": upc, "__typename": "Product"},
                                     "author": {"username": "alan", "id": "u2", "__typename": "User"}}}}


async def test_events_of_one_batch_share_each_entity_call(demo_subgraphs: DemoSubgraphs) -> None:
    gateway = Gateway.from_sdl(demo_subgraphs.supergraph_sdl())
    try:
        state = gateway._state
        request = GraphQLRequest(EVENT)
        planned = plan_now(state, AuthorizedOperation.unfiltered(check_document_now(state, EVENT, request)))
        plan = split(planned)
        assert plan.batched is not None
        variables = coerce_variables(state, planned, request)
        events = [_event("1001", "one"), _event("9999", "no such product"), _event("1002", "three")]
        demo_subgraphs.reset_counts()
        bodies = await run_events(state, planned, plan, variables, RequestContext(), events)
        counts = demo_subgraphs.counts()
    finally:
        await gateway.aclose()
    assert (counts["products"], counts["accounts"]) == (1, 1)  # three events, one call each
    assert bodies[0] == expected("1001", "one")
    assert bodies[2] == expected("1002", "three")
    # The unknown product nulls its own event only, the error at that event's path (not under _events).
    assert bodies[1] == {"data": None, "errors": [{
        "message": "Cannot return null for non-nullable field Product.name.",
        "path": ["reviewAdded", "product", "name"], "extensions": {"code": "NON_NULL_VIOLATION"}}]}
    assert "errors" not in bodies[0] and "errors" not in bodies[2]
