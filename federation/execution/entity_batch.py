"""Entity calls to one subgraph that start together go as one request.

Fetches of one plan step to one subgraph with different selections (reviews of users and reviews of
products, or two ``@requires`` of one field with different arguments) would each be a request. Calls
made in the same event-loop tick are sent as one document instead, each ``_entities`` under its own
alias (``_e0: _entities(representations: $r0) {...}``), and the answer is split back: data by alias,
errors by the alias their path starts with. A call alone in its tick is sent as it is.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from federation.planner.plan import FetchNode

Payload = dict[str, Any]
Send = Callable[[FetchNode, dict[str, Any]], Awaitable[Payload | None]]


@dataclass
class _Call:
    node: FetchNode
    variables: dict[str, Any]
    answer: asyncio.Future[Payload | None]


class EntityBatcher:
    """``send`` is given with each call, not kept: the batcher belongs to the execution whose method
    it is, and holding it would make a reference cycle of every execution (freed only by the cyclic
    garbage collector, with the whole answer tree it holds)."""

    def __init__(self) -> None:
        self._pending: dict[str, list[_Call]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def call(self, send: Send, node: FetchNode, variables: dict[str, Any]) -> Payload | None:
        """The subgraph's answer to this node's `_entities` call, as if it had been sent alone; the
        calls of one tick to one subgraph go by the ``send`` of the first."""
        loop = asyncio.get_running_loop()
        calls = self._pending.get(node.graph)
        if calls is None:
            calls = self._pending[node.graph] = []
            loop.call_soon(self._start, node.graph, send)  # after every call made in this tick
        call = _Call(node, variables, loop.create_future())
        calls.append(call)
        return await call.answer

    def _start(self, graph: str, send: Send) -> None:
        task = asyncio.ensure_future(self._flush(send, self._pending.pop(graph)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _flush(self, send: Send, calls: list[_Call]) -> None:
        try:
            if len(calls) == 1:
                answers = [await send(calls[0].node, calls[0].variables)]
            else:
                answers = _split(await send(*_combined(calls)), len(calls))
        except BaseException as exc:
            for call in calls:
                if not call.answer.done():
                    if isinstance(exc, asyncio.CancelledError):
                        call.answer.cancel()
                    else:
                        call.answer.set_exception(exc)
            raise
        for call, answer in zip(calls, answers, strict=True):
            if not call.answer.done():
                call.answer.set_result(answer)


def representation_count(variables: Mapping[str, Any]) -> int:
    """The representations one ``_entities`` request sends, alone or combined (``$r0``, ``$r1``...)."""
    alone = variables.get("representations")
    if alone is not None:
        return len(alone)
    return sum(len(v) for k, v in variables.items() if k[:1] == "r" and k[1:].isdigit() and isinstance(v, list))


# The combined document of a run of nodes, by the nodes' identities: the same plan step makes the same
# combination on every request, and building its text was a measurable part of each one. The value
# holds the nodes themselves, so no key's ids can belong to other objects while it is cached.
_COMBINED: dict[tuple[int, ...], tuple[tuple[FetchNode, ...], FetchNode]] = {}
_COMBINED_MAX = 1024  # combinations kept; past it the cache starts afresh (plans come and go)


def _combined(calls: list[_Call]) -> tuple[FetchNode, dict[str, Any]]:
    nodes = tuple([c.node for c in calls])
    key = tuple([id(n) for n in nodes])
    cached = _COMBINED.get(key)
    if cached is None:
        if len(_COMBINED) >= _COMBINED_MAX:
            _COMBINED.clear()
        cached = _COMBINED[key] = (nodes, _combined_node(nodes))
    variables: dict[str, Any] = {}
    for i, c in enumerate(calls):
        variables.update((k, v) for k, v in _own_values(c, i).items() if k != "representations")
        variables[f"r{i}"] = c.variables["representations"]
    return cached[1], variables


def _combined_node(nodes: tuple[FetchNode, ...]) -> FetchNode:
    """One document for the nodes' ``_entities`` calls, each under its alias, in order."""
    definitions = [f"$r{i}:[_Any!]!" for i in range(len(nodes))]
    selections = []
    for i, node in enumerate(nodes):
        selection, defs = _own_document(node, i)
        definitions += defs
        selections.append(f"_e{i}:_entities(representations:$r{i}){selection}")
    first = nodes[0]
    name = f" {first.operation_name}" if first.operation_name else ""
    definitions = list(dict.fromkeys(definitions))
    return replace(first, operation=f"query{name}({','.join(definitions)}){{{' '.join(selections)}}}")


# A node's @fromContext variables are suffixed with ``_i`` in a combined request: calls for objects
# whose contextual values differ share the variables' names otherwise. The client's variables are
# the same in every call and stay as they are.
def _own_document(node: FetchNode, i: int) -> tuple[str, list[str]]:
    """The node's selection and variable definitions within a combined request, as call ``i``."""
    if not node.contexts:
        return node.entities_selection, list(node.variable_definitions)
    names = {c.variable for c in node.contexts}
    own = re.compile(r"\$(" + "|".join(map(re.escape, sorted(names))) + r")(?![_0-9A-Za-z])")

    def rename(text: str) -> str:
        return own.sub(lambda m: f"${m.group(1)}_{i}", text)

    return rename(node.entities_selection), [rename(d) for d in node.variable_definitions]


def _own_values(call: _Call, i: int) -> dict[str, Any]:
    """The call's variable values within a combined request, as call ``i`` (``_own_document``)."""
    node = call.node
    if not node.contexts:
        return call.variables
    names = {c.variable for c in node.contexts}
    return {f"{k}_{i}" if k in names else k: v for k, v in call.variables.items()}


def _split(payload: Payload | None, parts: int) -> list[Payload | None]:
    if payload is None:
        return [None] * parts
    data = payload.get("data")
    out: list[Payload] = [{"data": {"_entities": data.get(f"_e{i}")} if isinstance(data, dict) else None}
                          for i in range(parts)]
    for err in payload.get("errors") or ():
        path = err.get("path") if isinstance(err, dict) else None
        part = 0  # an error of the whole request: reported once
        if isinstance(path, list) and path and isinstance(path[0], str) and path[0].startswith("_e") \
                and path[0][2:].isdigit() and int(path[0][2:]) < parts:
            part = int(path[0][2:])
            err = {**err, "path": ["_entities", *path[1:]]}
        out[part].setdefault("errors", []).append(err)
    return out  # type: ignore[return-value]
