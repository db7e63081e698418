# ruff: noqa: E501
"""The parts on their own: reading protocol messages, the subgraph URL, splitting a plan, a slow
subscriber, and a stream that lets go exactly once."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import pytest

from federation.errors import ProtocolViolation, RequestError
from federation.gateway import Gateway
from federation.pipeline.authorize import AuthorizedOperation
from federation.pipeline.document import check_document_now
from federation.pipeline.plan import plan_now
from federation.request import GraphQLRequest
from federation.subscriptions.events import split
from federation.subscriptions.feed import Subscriber
from federation.subscriptions.held import Held
from federation.subscriptions.protocol import CLIENT_TYPES, SERVER_TYPES, read
from federation.subscriptions.subgraph import subscription_url

SUPERGRAPH = """
schema @link(url: "https://specs.apollo.dev/link/v1.0") @link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)
{ query: Query subscription: Subscription }
directive @join__field(graph: join__Graph, requires: join__FieldSet, provides: join__FieldSet, type: String, external: Boolean, override: String, usedOverridden: Boolean) repeatable on FIELD_DEFINITION | INPUT_FIELD_DEFINITION
directive @join__graph(name: String!, url: String!) on ENUM_VALUE
directive @join__type(graph: join__Graph!, key: join__FieldSet, extension: Boolean! = false, resolvable: Boolean! = true, isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM | INPUT_OBJECT | SCALAR
directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA
scalar join__FieldSet
scalar link__Import
enum link__Purpose { SECURITY EXECUTION }
enum join__Graph { A @join__graph(name: "a", url: "http://127.0.0.1:1/graphql") B @join__graph(name: "b", url: "https://127.0.0.1:2/graphql") }
type Query @join__type(graph: A) @join__type(graph: B) { a: Int @join__field(graph: A) b: Int @join__field(graph: B) }
type Subscription @join__type(graph: A) { ticks: Tick! }
type Tick @join__type(graph: A, key: "id") @join__type(graph: B, key: "id") {
  id: ID!
  n: Int! @join__field(graph: A)
  label: String @join__field(graph: B)
}
"""


def _split(query: str) -> tuple[str, str | None]:
    gateway = Gateway.from_sdl(SUPERGRAPH)
    state = gateway._state
    checked = check_document_now(state, query, GraphQLRequest(query))
    plan = split(plan_now(state, AuthorizedOperation.unfiltered(checked)))
    return plan.root.operation, type(plan.rest).__name__ if plan.rest is not None else None


def test_the_root_fetch_is_the_subgraph_subscription_and_the_rest_runs_per_event() -> None:
    assert _split("subscription { ticks { n } }") == ("subscription{ticks{n}}", None)
    root, rest = _split("subscription { ticks { n label } }")
    assert root == "subscription{ticks{n id __typename}}"
    assert rest == "FlattenNode"  # the entity fetch to b, per event


def test_a_conditional_root_field_is_refused_not_a_crash() -> None:
    with pytest.raises(RequestError) as caught:
        _split("subscription($on: Boolean!) { ticks @include(if: $on) { n } }")
    assert caught.value.code == "GRAPHQL_VALIDATION_FAILED"
    with pytest.raises(RequestError) as caught:
        _split("subscription { ticks @skip(if: true) { n } }")
    assert caught.value.code == "GRAPHQL_VALIDATION_FAILED"
    assert _split("subscription { ticks @include(if: true) { n } }") == ("subscription{ticks{n}}", None)


def test_messages_are_checked_for_their_shape() -> None:
    assert read('{"type": "subscribe", "id": "1", "payload": {"query": "{a}"}}', CLIENT_TYPES)["id"] == "1"
    for bad in ('[]', '{"type": "next", "id": "1", "payload": {}}', '{"type": "subscribe", "payload": {}}',
                '{"type": "subscribe", "id": "", "payload": {}}', '{"type": "subscribe", "id": "1"}', "{",
                '{"type": "connection_init", "payload": 3}'):
        with pytest.raises(ProtocolViolation) as caught:
            read(bad, CLIENT_TYPES)
        assert caught.value.close_code == 4400
    with pytest.raises(ProtocolViolation):
        read('{"type": "error", "id": "1", "payload": {"message": "x"}}', SERVER_TYPES)


def test_the_subscription_url_is_the_subgraph_url_over_websocket() -> None:
    assert subscription_url("http://127.0.0.1:4003/graphql") == "ws://127.0.0.1:4003/graphql"
    assert subscription_url("https://reviews.internal/graphql") == "wss://reviews.internal/graphql"


async def _drain(events: AsyncGenerator[dict[str, Any], None]) -> list[dict[str, Any]]:
    return [e async for e in events]


async def test_a_subscriber_that_falls_behind_is_ended_with_a_code() -> None:
    subscriber = Subscriber(feed=None, limit=2)  # type: ignore[arg-type]
    for n in range(3):
        subscriber.push({"data": {"n": n}})
    got = await _drain(subscriber.events())
    assert got == [{"errors": [{"message": "The client fell 2 events behind.",
                                "extensions": {"code": "SUBSCRIPTION_TOO_SLOW"}}]}]


async def test_a_subscriber_gets_what_was_queued_before_it_ended() -> None:
    subscriber = Subscriber(feed=None, limit=10)  # type: ignore[arg-type]
    subscriber.push({"data": {"n": 1}})
    subscriber.end(None)
    subscriber.push({"data": {"n": 2}})  # after the end: dropped
    assert await _drain(subscriber.events()) == [{"data": {"n": 1}}]


async def test_a_held_stream_lets_go_once_whether_it_ran_or_not() -> None:
    released: list[str] = []

    async def events() -> AsyncGenerator[int, None]:
        yield 1
        yield 2

    unstarted = Held(events(), lambda: released.append("unstarted"))
    await unstarted.aclose()
    await unstarted.aclose()
    finished = Held(events(), lambda: released.append("finished"))
    assert [n async for n in finished] == [1, 2]
    await finished.aclose()
    stopped = Held(events(), lambda: released.append("stopped"))
    assert await stopped.__anext__() == 1
    await stopped.aclose()
    assert released == ["unstarted", "finished", "stopped"]
