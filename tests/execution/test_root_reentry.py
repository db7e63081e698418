"""Root re-entry executed: a Query object below a mutation field is completed by another subgraph's
query root, the mutation sent once."""

from __future__ import annotations

from tests.planner.test_plans_roots import ROOTS

from .conftest import Harness
from .fakes import SubgraphRequest, always


async def test_the_reentry_answer_lands_at_its_path_and_the_mutation_runs_once(harness: Harness) -> None:
    def two(request: SubgraphRequest) -> object:
        assert request.query.startswith("mutation")
        return {"data": {"doSomething": {"ok": True, "query": {"__typename": "Query", "healthCheck": True}}}}

    one = await harness.subgraph("one", always({"data": {"user": {"name": "Ada"}}}))
    mutations = await harness.subgraph("two", two)
    gw = await harness.gateway({"one": one, "two": mutations}, ROOTS)

    status, body = await gw.post("mutation { doSomething { ok query { healthCheck user(id: 1) { name } } } }")

    assert status == 200
    assert body == {"data": {"doSomething": {"ok": True, "query": {"healthCheck": True, "user": {"name": "Ada"}}}}}
    assert len(mutations.requests) == 1
    assert [r.query for r in one.requests] == ["query{user(id: 1){name}}"]
