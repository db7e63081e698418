"""End to end against running subgraphs: @fromContext arguments filled per entity, and progressive
@override by percentage and by configured label.

The subgraphs are ariadne apps served by uvicorn on 127.0.0.1; their schemas are composed into the
supergraph the gateway serves (also over HTTP). Each subgraph records the requests it receives.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
from ariadne import InterfaceType, QueryType
from ariadne.asgi import GraphQL
from ariadne.contrib.federation import FederatedObjectType, make_federated_schema

from federation.composition import SubgraphSource, compose
from federation.config import GatewayConfig, SupergraphConfig
from federation.gateway import Gateway
from federation.http.app import create_app
from services_demo.runner import ServedApp, bind

Message = MutableMapping[str, Any]
ASGI = Callable[[MutableMapping[str, Any], Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
                Awaitable[None]]

# ariadne's federation support predates these directives: their definitions make the SDL buildable.
DIRECTIVES = """
directive @context(name: String!) repeatable on INTERFACE | OBJECT | UNION
directive @fromContext(field: String) on ARGUMENT_DEFINITION
"""


def link(version: str, *imports: str) -> str:
    names = ", ".join(f'"@{i}"' for i in imports)
    return f'extend schema @link(url: "https://specs.apollo.dev/federation/v{version}", import: [{names}])\n'


class Recording:
    """An ASGI wrapper keeping each request's JSON body (query and variables) before the app reads it."""

    def __init__(self, app: ASGI) -> None:
        self.app = app
        self.bodies: list[dict[str, Any]] = []

    async def __call__(self, scope: MutableMapping[str, Any], receive: Callable[[], Awaitable[Message]],
                       send: Callable[[Message], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks = []
        for _ in range(10_000):  # bounded: a request body arrives in a few messages
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        self.bodies.append(json.loads(body))
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


@asynccontextmanager
async def running(subgraphs: dict[str, tuple[str, list[Any]]],
                  config: GatewayConfig | None = None) -> AsyncIterator[tuple[httpx.AsyncClient, str,
                                                                              dict[str, Recording]]]:
    """Serve each (SDL, bindables) subgraph, compose them, serve a gateway; yield (client, URL, recordings)."""
    served: list[ServedApp] = []
    recordings: dict[str, Recording] = {}
    gateway: Gateway | None = None
    client = httpx.AsyncClient(timeout=10, trust_env=False)
    try:
        sources = []
        for name, (sdl, bindables) in subgraphs.items():
            # ariadne's @override has no `label:`; the subgraph runs the same without it.
            runnable = re.sub(r', label: "[^"]*"', "", sdl)
            recordings[name] = Recording(GraphQL(make_federated_schema([runnable, DIRECTIVES], *bindables)))
            app = ServedApp(name, recordings[name], bind("127.0.0.1", 0))
            await app.start()
            served.append(app)
            sources.append(SubgraphSource(name, app.url, sdl))
        result = compose(sources)
        assert result.ok and result.supergraph_sdl is not None, result.errors
        gateway = Gateway.from_sdl(result.supergraph_sdl, config)
        front = ServedApp("gateway", create_app(gateway), bind("127.0.0.1", 0))
        await front.start()
        served.append(front)
        yield client, front.url, recordings
    finally:
        for app in reversed(served):
            await app.stop()
        if gateway is not None:
            await gateway.aclose()
        await client.aclose()


async def ask(client: httpx.AsyncClient, url: str, query: str) -> dict[str, Any]:
    response = await client.post(url, json={"query": query}, headers={"accept": "application/json"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# ---- @fromContext ------------------------------------------------------------------------------

# Two accounts in different currencies share transaction t1: its amount differs per account.
CURRENCY = {"a1": "EUR", "a2": "USD"}
TRANSACTIONS = {"a1": ["t1", "t2"], "a2": ["t1", "t3"]}
CENTS = {"t1": 1250, "t2": 99, "t3": 40000}

LEDGER = link("2.8", "key", "context", "fromContext", "external", "requires") + """
type Query { accounts: [Account!]! }
type Account @key(fields: "id") @context(name: "acct") {
  id: ID!
  currency: String! @external
  transactions: [Transaction!]!
  statement: String! @requires(fields: "currency")
}
type Transaction @key(fields: "id") {
  id: ID!
  amount(currency: String @fromContext(field: "$acct { currency }")): String!
}
"""
PROFILES = link("2.8", "key") + """
type Account @key(fields: "id") { id: ID! currency: String! owner: String! }
"""


def ledger() -> list[Any]:
    query = QueryType()
    query.set_field("accounts", lambda *_: [{"id": a} for a in CURRENCY])
    account = FederatedObjectType("Account")
    account.set_field("transactions", lambda obj, _info: [{"id": t} for t in TRANSACTIONS[obj["id"]]])
    account.reference_resolver(lambda _obj, _info, rep: dict(rep))
    account.set_field("statement", lambda obj, _info: f"statement of {obj['id']} in {obj['currency']}")
    transaction = FederatedObjectType("Transaction")
    transaction.reference_resolver(lambda _obj, _info, rep: {"id": rep["id"]})
    transaction.set_field("amount", lambda obj, _info, currency=None:
                          f"{CENTS[obj['id']] / 100:.2f} {currency}" if currency else "no currency")
    return [query, account, transaction]


def profiles() -> list[Any]:
    account = FederatedObjectType("Account")
    account.reference_resolver(lambda _obj, _info, rep: {"id": rep["id"], "currency": CURRENCY[rep["id"]],
                                                         "owner": f"owner of {rep['id']}"})
    return [account]


async def test_each_entity_gets_the_value_of_its_own_ancestor() -> None:
    subgraphs = {"ledger": (LEDGER, ledger()), "profiles": (PROFILES, profiles())}
    async with running(subgraphs) as (client, url, recorded):
        body = await ask(client, url, "{ accounts { id owner transactions { id amount } } }")
    assert "errors" not in body, body
    assert body["data"] == {"accounts": [
        {"id": "a1", "owner": "owner of a1", "transactions": [{"id": "t1", "amount": "12.50 EUR"},
                                                             {"id": "t2", "amount": "0.99 EUR"}]},
        {"id": "a2", "owner": "owner of a2", "transactions": [{"id": "t1", "amount": "12.50 USD"},
                                                             {"id": "t3", "amount": "400.00 USD"}]},
    ]}
    # The ledger is asked twice: the accounts, then one request for every transaction, one aliased
    # `_entities` per distinct currency, t1 sent once per currency it is seen in.
    root, entities = recorded["ledger"].bodies
    assert "_entities" not in root["query"]
    assert "_e0:_entities(representations:$r0)" in entities["query"]
    assert "amount(currency: $contextualArgument_1_0_1)" in entities["query"]
    variables = entities["variables"]
    assert {variables["contextualArgument_1_0_0"], variables["contextualArgument_1_0_1"]} == {"EUR", "USD"}
    by_currency = {variables[f"contextualArgument_1_0_{i}"]: [r["id"] for r in variables[f"r{i}"]] for i in (0, 1)}
    assert by_currency == {"EUR": ["t1", "t2"], "USD": ["t1", "t3"]}
    assert len(recorded["profiles"].bodies) == 1


async def test_a_step_sends_its_plain_and_contextual_entity_calls_to_a_subgraph_as_one_request() -> None:
    subgraphs = {"ledger": (LEDGER, ledger()), "profiles": (PROFILES, profiles())}
    async with running(subgraphs) as (client, url, recorded):
        body = await ask(client, url, "{ accounts { statement transactions { amount } } }")
    assert body == {"data": {"accounts": [
        {"statement": "statement of a1 in EUR", "transactions": [{"amount": "12.50 EUR"}, {"amount": "0.99 EUR"}]},
        {"statement": "statement of a2 in USD", "transactions": [{"amount": "12.50 USD"}, {"amount": "400.00 USD"}]},
    ]}}
    _accounts, step = recorded["ledger"].bodies  # the accounts, then `statement` and `amount` together
    assert step["query"].count("_entities(") == 3
    contextual = {k: v for k, v in step["variables"].items() if k.startswith("contextualArgument")}
    assert sorted(contextual.values()) == ["EUR", "USD"]
    assert all(f"${name}" in step["query"] for name in contextual)


async def test_one_value_for_all_entities_is_one_plain_call() -> None:
    subgraphs = {"ledger": (LEDGER, ledger()), "profiles": (PROFILES, profiles())}
    async with running(subgraphs) as (client, url, recorded):
        CURRENCY["a2"] = "EUR"
        try:
            body = await ask(client, url, "{ accounts { transactions { amount } } }")
        finally:
            CURRENCY["a2"] = "USD"
    assert body == {"data": {"accounts": [{"transactions": [{"amount": "12.50 EUR"}, {"amount": "0.99 EUR"}]},
                                          {"transactions": [{"amount": "12.50 EUR"}, {"amount": "400.00 EUR"}]}]}}
    entities = recorded["ledger"].bodies[1]
    assert "_e0" not in entities["query"]
    assert entities["variables"]["contextualArgument_1_0"] == "EUR"
    assert [r["id"] for r in entities["variables"]["representations"]] == ["t1", "t2", "t3"]


# An interface list: an A sets the context itself; for a B the box above it does.
BOXES = link("2.8", "key", "context", "fromContext") + """
type Query { box: Box! }
interface Item { id: ID! tag: Tag! }
type Box @key(fields: "id") @context(name: "c") { id: ID! label: String! items: [Item!]! }
type A implements Item @key(fields: "id") @context(name: "c") { id: ID! label: String! tag: Tag! }
type B implements Item @key(fields: "id") { id: ID! tag: Tag! }
type Tag @key(fields: "id") {
  id: ID!
  text(label: String @fromContext(field: "$c ... on A { label } ... on Box { label }")): String!
}
"""
TAGS = link("2.8", "key") + """
type Query { tagCount: Int }
type Tag @key(fields: "id") { id: ID! }
"""


def boxes() -> list[Any]:
    query = QueryType()
    query.set_field("box", lambda *_: {"id": "box1", "label": "the box", "items": [
        {"__typename": "A", "id": "x", "label": "item x", "tag": {"id": "g1"}},
        {"__typename": "B", "id": "y", "tag": {"id": "g1"}},
    ]})
    item = InterfaceType("Item", lambda obj, *_: obj["__typename"])
    tag = FederatedObjectType("Tag")
    tag.reference_resolver(lambda _obj, _info, rep: {"id": rep["id"]})
    tag.set_field("text", lambda obj, _info, label=None: f"{obj['id']} in {label}")
    return [query, item, tag]


async def test_an_ancestor_not_of_the_context_type_passes_the_question_up() -> None:
    subgraphs = {"boxes": (BOXES, boxes()), "tags": (TAGS, [])}
    async with running(subgraphs) as (client, url, _):
        body = await ask(client, url, "{ box { items { id tag { text } } } }")
    assert body == {"data": {"box": {"items": [{"id": "x", "tag": {"text": "g1 in item x"}},
                                               {"id": "y", "tag": {"text": "g1 in the box"}}]}}}


# ---- progressive @override ---------------------------------------------------------------------

OLD = link("2.7", "key", "shareable") + """
type Query { posts: [Post!]! }
type Post @key(fields: "id") { id: ID! never: String! always: String! flagged: String! }
"""
NEW = link("2.7", "key", "override") + """
type Post @key(fields: "id") {
  id: ID!
  never: String! @override(from: "old", label: "percent(0)")
  always: String! @override(from: "old", label: "percent(100)")
  flagged: String! @override(from: "old", label: "new-billing")
}
"""


def posts(who: str) -> list[Any]:
    post = FederatedObjectType("Post")
    post.reference_resolver(lambda _obj, _info, rep: {"id": rep["id"]})
    for name in ("never", "always", "flagged"):
        post.set_field(name, lambda obj, _info, _who=who: f"{_who}:{obj['id']}")
    if who == "new":
        return [post]
    query = QueryType()
    query.set_field("posts", lambda *_: [{"id": "p1"}, {"id": "p2"}])
    return [query, post]


def override_subgraphs() -> dict[str, tuple[str, list[Any]]]:
    return {"old": (OLD, posts("old")), "new": (NEW, posts("new"))}


async def test_percent_0_and_100_are_decided_the_same_way_on_every_request() -> None:
    async with running(override_subgraphs()) as (client, url, recorded):
        for _ in range(5):
            body = await ask(client, url, "{ posts { never always flagged } }")
            assert body == {"data": {"posts": [{"never": "old:p1", "always": "new:p1", "flagged": "old:p1"},
                                               {"never": "old:p2", "always": "new:p2", "flagged": "old:p2"}]}}
    assert len(recorded["old"].bodies) == 5 and len(recorded["new"].bodies) == 5
    assert all("always" not in b["query"] for b in recorded["old"].bodies)
    assert all("never" not in b["query"] and "flagged" not in b["query"] for b in recorded["new"].bodies)


async def test_a_label_turned_on_in_the_configuration_moves_its_fields() -> None:
    config = GatewayConfig(supergraph=SupergraphConfig(override_labels=("new-billing",)))
    async with running(override_subgraphs(), config) as (client, url, recorded):
        body = await ask(client, url, "{ posts { never flagged } }")
    assert body == {"data": {"posts": [{"never": "old:p1", "flagged": "new:p1"},
                                       {"never": "old:p2", "flagged": "new:p2"}]}}
    assert "flagged" in recorded["new"].bodies[0]["query"]
    assert "flagged" not in recorded["old"].bodies[0]["query"]
