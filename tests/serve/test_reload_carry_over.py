"""What a reload keeps of the state in service (``federation.pipeline.carry_over``), with the
in-process gateway: caches when their inputs are unchanged, connection pools of unchanged
subgraphs (left open when the old state closes), nothing rebuilt for the same text; and the
deadline's ``interrupt`` answering a request stuck on a subgraph with partial data."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from federation.execution.transport import LeanTransport
from federation.gateway import Gateway
from federation.request import GraphQLRequest
from tests.supergraphs import supergraph

URLS = {"a": "http://127.0.0.1:9/a", "b": "http://127.0.0.1:9/b"}
TYPES = ("type Query @join__type(graph: A) @join__type(graph: B) "
         "{ x: Int @join__field(graph: A) y: Int @join__field(graph: B) }")
MOVED = TYPES.replace("x: Int @join__field(graph: A)", "x: Int @join__field(graph: B)")  # same API schema
ADDED = TYPES.replace("y: Int", "z: Int @join__field(graph: B) y: Int")  # a new API schema


def _warm(gateway: Gateway) -> None:
    gateway.plan("{ x y }")  # fills the state's document and plan caches


def _transports(gateway: Gateway) -> dict[str, LeanTransport]:
    out = {}
    for config, transport in gateway._state.client.transports_by_config().items():
        assert isinstance(transport, LeanTransport)
        out[config.url] = transport
    return out


def test_a_change_of_routing_urls_keeps_caches_and_the_unchanged_pools() -> None:
    gateway = Gateway.from_sdl(supergraph(URLS, TYPES))
    _warm(gateway)
    old = gateway._state
    old_transports = _transports(gateway)
    new = gateway.build(supergraph({**URLS, "b": "http://127.0.0.1:9/b2"}, TYPES))
    assert new.plans is old.plans and new.documents is old.documents
    assert new.api_schema is old.api_schema and new.policies is old.policies
    assert new.kept == ("plans", "documents", "1 of 2 connection pools")
    gateway.swap(new)  # the old state is idle: closed now
    transports = _transports(gateway)
    assert transports[URLS["a"]] is old_transports[URLS["a"]]  # taken over, still open
    assert not transports[URLS["a"]]._closed
    assert old_transports[URLS["b"]]._closed  # its subgraph moved: closed with the old state
    assert not transports["http://127.0.0.1:9/b2"]._closed
    assert len(gateway._state.plans.entries) == 1  # the plan made before the reload serves after it


def test_other_join_metadata_keeps_documents_only_and_a_new_schema_keeps_neither() -> None:
    gateway = Gateway.from_sdl(supergraph(URLS, TYPES))
    _warm(gateway)
    old = gateway._state
    moved = gateway.build(supergraph(URLS, MOVED))
    assert moved.documents is old.documents and moved.plans is not old.plans
    assert len(moved.plans.entries) == 0 and moved.kept == ("documents", "2 of 2 connection pools")
    gateway.swap(moved)
    assert 'service: "a"' not in gateway.plan_text("{ x y }")  # planned again: x moved to b
    added = gateway.build(supergraph(URLS, ADDED))
    assert added.documents is not moved.documents and added.plans is not moved.plans
    assert added.kept == ("2 of 2 connection pools",)


def test_the_same_text_builds_nothing() -> None:
    sdl = supergraph(URLS, TYPES)
    gateway = Gateway.from_sdl(sdl)
    state = gateway._state
    assert gateway.build(sdl) is state
    gateway.swap(state)
    assert gateway._state is state
    assert gateway.metrics.reloads.values == {(("outcome", "unchanged"),): 1.0}


def test_a_state_built_from_one_no_longer_in_service_is_refused() -> None:
    gateway = Gateway.from_sdl(supergraph(URLS, TYPES))
    first = gateway.build(supergraph(URLS, MOVED))
    gateway.swap(gateway.build(supergraph(URLS, ADDED)))
    with pytest.raises(RuntimeError, match="build it again"):
        gateway.swap(first)


def test_shared_transports_close_once_with_their_last_owner() -> None:
    gateway = Gateway.from_sdl(supergraph(URLS, TYPES))
    transports = _transports(gateway)
    for text in (MOVED, ADDED, TYPES):  # three reloads, every pool handed on each time
        gateway.swap(gateway.build(supergraph(URLS, text)))
    assert _transports(gateway) == transports and not any(t._closed for t in transports.values())
    asyncio.run(gateway.aclose())
    assert all(t._closed for t in transports.values())


@pytest.fixture
async def hanging_subgraph() -> AsyncIterator[str]:
    """Takes requests on 127.0.0.1 and never answers them."""
    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.read()  # until the gateway gives up on the connection
        finally:
            writer.close()

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/graphql"
    finally:
        server.close()


async def test_interrupt_answers_a_request_stuck_on_a_subgraph_with_partial_data(hanging_subgraph: str) -> None:
    gateway = Gateway.from_sdl(supergraph({"a": hanging_subgraph}, "type Query @join__type(graph: A) { x: Int }"))
    request = asyncio.create_task(gateway.execute(GraphQLRequest("{ x __typename }")))
    for _ in range(200):  # up to 2 s, until the call is waiting on the subgraph
        await asyncio.sleep(0.01)
        if any(e._calls for e in gateway._state.running):
            break
    assert gateway.interrupt() == 1
    response = await asyncio.wait_for(request, 5)
    assert response.status == 200
    assert response.body["data"] == {"x": None, "__typename": "Query"}
    (error,) = response.body["errors"]
    assert error["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR" and "shut down" in error["message"]
    later = await asyncio.wait_for(gateway.execute(GraphQLRequest("{ x }")), 5)  # fails at once now
    assert later.body["data"] == {"x": None}
    await gateway.aclose()
