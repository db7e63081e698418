"""Walk a query plan: root fetches, then Flatten fetches that send one ``_entities`` call per step.

Representations are collected from every object at the Flatten path, deduplicated (an aiodataloader
keyed by representation), and sent in a single request, so the number of subgraph calls depends on
the plan, never on list sizes; calls of one step to one subgraph with different selections share
one request too (``entity_batch``). Subgraph errors are passed on with their paths moved to the client's.

With a deadline, the run stops when it passes: what arrived stays merged, each fetch that had not
finished gets a ``REQUEST_DEADLINE_EXCEEDED`` error, and every subgraph call still running is
cancelled (its connection closed and its place in the pool freed), loader batches included, which
run in tasks of their own. Shutdown's ``interrupt`` brings the deadline forward to now, the same way.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import orjson
from aiodataloader import DataLoader

from federation.errors import (
    DOWNSTREAM_SERVICE_ERROR,
    REQUEST_DEADLINE_EXCEEDED,
    SUBREQUEST_HTTP_ERROR,
    SUBREQUEST_MALFORMED_RESPONSE,
    FetchFailure,
    graphql_error,
)
from federation.execution import context_values
from federation.execution.entity_batch import EntityBatcher
from federation.execution.fetcher import SubgraphClient
from federation.execution.headers import ResponseHeaders
from federation.execution.loader import EntityLoader
from federation.execution.merge import collect, collect_paths, merge
from federation.observability.metrics import Metrics
from federation.planner.path import Key
from federation.planner.plan import (
    ConditionNode,
    DeferNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    SequenceNode,
)
from federation.planner.selection import FieldItem, SelSet, restore_keys

if TYPE_CHECKING:
    from federation.observability.tracing import RequestTrace

# Final: compiled, a static read directly, not a module dictionary lookup per field of each representation.
_MISSING: Final = object()
# Seconds the cancelled calls get to unwind after the deadline (they only close sockets).
_UNWIND_S = 1.0


def representation(obj: dict[str, Any], inputs: SelSet, rewrite: str | None, entity: str,
                   possible: Mapping[str, frozenset[str]]) -> dict[str, Any] | None:
    """Build one representation from an object; None when a key field is missing.

    Objects that came from an @interfaceObject subgraph carry no concrete type: they are represented
    as the interface, which the entity interface's owner resolves.
    """
    out: dict[str, Any] = {}
    if not _fill(obj, inputs, out, possible):
        return None
    if rewrite is not None:
        out["__typename"] = rewrite
    elif "__typename" not in out:
        out["__typename"] = entity
    return out


def _fill(obj: dict[str, Any], sel: SelSet, out: dict[str, Any], possible: Mapping[str, frozenset[str]]) -> bool:
    typename = obj.get("__typename")
    for item in sel.items.values():
        if isinstance(item, FieldItem):
            value = obj.get(item.key, _MISSING)
            if value is _MISSING:
                if item.name == "__typename":
                    continue
                return False
            if item.sub is not None and value is not None:
                value = _sub(value, item.sub, possible)
                if value is _MISSING:
                    return False
            out[item.name] = value
        else:
            cond = item.type_condition
            applies = cond is None or typename is None or cond == typename or typename in possible.get(cond, ())
            if applies and not _fill(obj, item.sub, out, possible):
                return False
    return True


def _sub(value: Any, sel: SelSet, possible: Mapping[str, frozenset[str]]) -> Any:
    if isinstance(value, list):
        out = []
        for v in value:
            r = _sub(v, sel, possible) if v is not None else None
            if r is _MISSING:
                return _MISSING
            out.append(r)
        return out
    if isinstance(value, dict):
        inner: dict[str, Any] = {}
        return inner if _fill(value, sel, inner, possible) else _MISSING
    return value


class _Wanted:
    """The representations one Flatten node needs (a loader key: by identity, one per node per step)."""

    __slots__ = ("keys",)

    def __init__(self, keys: list[bytes]) -> None:
        self.keys = keys


class Execution:
    """One request's run of a plan."""

    def __init__(self, client: SubgraphClient, variables: Mapping[str, Any],
                 possible: Mapping[str, frozenset[str]], headers: Mapping[str, Mapping[str, str]] | None = None,
                 metrics: Metrics | None = None, deadline: float | None = None,
                 answers: ResponseHeaders | None = None, trace: RequestTrace | None = None) -> None:
        self.client = client
        self.trace = trace  # the request's spans; None: tracing off
        self.answers = answers  # collects answer headers for the client; None: none are passed on
        self.deadline = deadline  # time.monotonic() seconds; None: none
        self.metrics = metrics
        self.possible = possible
        self.variables = variables
        self.headers = headers
        self.data: dict[str, Any] = {}
        self.errors: list[dict[str, Any]] = []
        self._loaders: dict[str, DataLoader[_Wanted, list[Any]]] = {}
        self._batcher = EntityBatcher()  # one request for a step's calls to one subgraph
        self._reps: dict[bytes, dict[str, Any]] = {}
        self._context_values: dict[bytes, dict[str, Any]] = {}  # by representation key
        self._calls: set[asyncio.Task[Any]] = set()  # tasks with a subgraph call in flight
        self._timeout: asyncio.Timeout | None = None
        self.expired = False
        self.interrupted = False  # by shutdown, not by the request's own deadline

    async def run(self, node: PlanNode | None) -> None:
        if node is None:
            return
        if self.deadline is None:
            await self._node(node)
            return
        if self.interrupted:  # nothing is sent once shutdown's deadline has passed (mutations!)
            self.expired = True
            self.errors.append(graphql_error("the gateway shut down before any subgraph was called",
                                             SUBREQUEST_HTTP_ERROR))
            return
        try:
            async with asyncio.timeout(self.deadline - time.monotonic()) as self._timeout:
                await self._node(node)
        except TimeoutError:
            self.expired = True
            await self._cancel_calls()
        finally:
            self._timeout = None

    def finish(self) -> None:
        """No more ``run``: the loaders go (each refers back to this execution), so the execution and
        the answer tree it holds are freed when the request lets go of them, by reference counting,
        not left for the cyclic garbage collector to find."""
        self._loaders.clear()

    def interrupt(self) -> None:
        """Shutdown's deadline: the run stops now, answering with what arrived (also before it starts)."""
        self.interrupted = True
        if self._timeout is not None and not self._timeout.expired():
            self._timeout.reschedule(asyncio.get_running_loop().time())

    async def _cancel_calls(self) -> None:
        # The plan's own tasks are cancelled by the timeout; loader batches are not part of it.
        me = asyncio.current_task()
        left = [task for task in self._calls if not task.done() and task is not me]
        for task in left:
            task.cancel()
        if left:
            await asyncio.wait(left, timeout=_UNWIND_S)

    async def _node(self, node: PlanNode) -> None:
        if isinstance(node, FetchNode):
            await self._root_fetch(node)
        elif isinstance(node, FlattenNode):
            if node.node.requires is None:
                await self._reentry_fetch(node)
            else:
                await self._entity_fetch(node)
        elif isinstance(node, SequenceNode):
            for child in node.nodes:
                await self._node(child)
        elif isinstance(node, ParallelNode):
            await asyncio.gather(*(self._node(child) for child in node.nodes))
        elif isinstance(node, ConditionNode):
            branch = node.if_clause if self.variables.get(node.condition) else node.else_clause
            if branch is not None:
                await self._node(branch)
        elif isinstance(node, DeferNode):
            # Everything at once (incremental delivery runs the parts itself: ``execution.deferred``);
            # a part comes after the one it sits in, which its number does.
            for part in (node.primary, *(d.node for d in node.deferred)):
                if part is not None:
                    await self._node(part)

    def _vars(self, node: FetchNode) -> dict[str, Any]:
        return {v: self.variables[v] for v in node.variable_usages if v in self.variables}

    async def _send(self, node: FetchNode, variables: dict[str, Any]) -> dict[str, Any] | None:
        started = time.perf_counter()
        outcome = "failed"
        task = asyncio.current_task()
        if task is not None and self.deadline is not None:
            self._calls.add(task)
        answers = self.answers
        # Only subgraphs that pass headers on hand theirs up; for the others not being asked is enough.
        sink: list[Any] | None = [] if answers is not None and node.graph in answers.rules else None
        span = self.trace.fetch(node, variables) if self.trace is not None else None
        payload: dict[str, Any] | None = None
        failed: FetchFailure | None = None
        try:
            headers = self.headers.get(node.graph) if self.headers else None
            payload = await self.client.request(node.graph, node.operation, variables, node.operation_name,
                                                headers, node.operation_kind != "mutation", self.deadline,
                                                answer_headers=sink, trace=span)
            outcome = "errors" if payload.get("errors") else "ok"
            return payload
        except FetchFailure as failure:
            failed = failure
            self.errors.append(graphql_error(str(failure), failure.code, extensions={"service": failure.service}))
            return None
        finally:
            if span is not None:
                errors = payload.get("errors") if payload is not None else None
                span.end(len(errors) if isinstance(errors, list) else 0, failed,
                         payload is None and failed is None)
            if answers is not None:  # failed or cut short: no headers, and the answer is not cacheable
                answers.answered(node.graph, sink[0] if sink else None)
            if task is not None:
                self._calls.discard(task)
            if self.metrics is not None:
                self.metrics.subgraph_requests.inc((("subgraph", node.service), ("outcome", outcome)))
                self.metrics.subgraph_seconds.observe(time.perf_counter() - started, (("subgraph", node.service),))

    def _unfinished(self, node: FetchNode, path: list[str | int] | None) -> None:
        before, code = ("the gateway shut down", SUBREQUEST_HTTP_ERROR) if self.interrupted else (
            "the request's deadline", REQUEST_DEADLINE_EXCEEDED)
        self.errors.append(graphql_error(f"subgraph '{node.service}' did not answer before {before}", code,
                                         path=path, extensions={"service": node.service}))

    async def _root_fetch(self, node: FetchNode) -> None:
        try:
            payload = await self._send(node, self._vars(node))
        except asyncio.CancelledError:
            keys: list[str | int] = [i.key for i in node.selection.items.values() if isinstance(i, FieldItem)]
            self._unfinished(node, keys[:1] if len(keys) == 1 else None)
            raise
        if payload is None:
            return
        data = payload.get("data")
        if isinstance(data, dict):
            if node.renames:
                restore_keys(data, node.selection, self.possible)
            merge(self.data, data)
        for err in payload.get("errors") or ():
            self.errors.append(_downstream(err, node.service, err.get("path") if isinstance(err, dict) else None))

    async def _reentry_fetch(self, flatten: FlattenNode) -> None:
        """Root re-entry: one query, its answer merged into every Query object at the path."""
        node = flatten.node
        objects = collect(self.data, flatten.path)
        if not objects:
            return
        try:
            payload = await self._send(node, self._vars(node))
        except asyncio.CancelledError:
            self._unfinished(node, None)
            raise
        if payload is None:
            return
        data = payload.get("data")
        if isinstance(data, dict):
            if node.renames:
                restore_keys(data, node.selection, self.possible)
            blob = orjson.dumps(data)
            for i, obj in enumerate(objects):
                merge(obj, data if i == 0 else orjson.loads(blob))  # each object its own copy
        paths = collect_paths(self.data, flatten.path) if payload.get("errors") else {}
        for err in payload.get("errors") or ():
            path = err.get("path") if isinstance(err, dict) else None
            base = paths.get(id(objects[0])) if len(objects) == 1 else None
            where = [*base, *path] if base is not None and isinstance(path, list) else None
            self.errors.append(_downstream(err, node.service, where))

    def _loader(self, node: FetchNode) -> DataLoader[_Wanted, list[Any]]:
        """One loader per (subgraph, document) per request: Flatten nodes of one plan step that send the
        same entity query are coalesced into a single ``_entities`` call, their representations
        deduplicated; an entity already fetched with that query in an earlier step is not asked again."""
        key = node.batch_key
        loader = self._loaders.get(key)
        if loader is None:
            known: dict[bytes, Any] = {}

            async def batch(wanted: list[_Wanted]) -> list[list[Any]]:
                missing = list(dict.fromkeys(k for w in wanted for k in w.keys if k not in known))
                if missing:
                    known.update(zip(missing, await self._entities_call(node, missing), strict=True))
                return [[known[k] for k in w.keys] for w in wanted]

            # Keys are per Flatten node, so the loader's own cache has nothing to reuse.
            loader = self._loaders[key] = EntityLoader(batch, max_batch_size=None, cache=False)
        return loader

    async def _entities_call(self, node: FetchNode, keys: list[bytes]) -> list[Any]:
        if not node.contexts:
            return await self._entities_part(node, keys, {})
        # One call per distinct set of contextual values (a variable holds one value); they start
        # together, so the batcher sends them as one request.
        parts = context_values.by_values(keys, self._context_values)
        answers = await asyncio.gather(*(self._entities_part(node, [keys[i] for i in idx], vals)
                                         for vals, idx in parts))
        out: list[Any] = [None] * len(keys)
        for (_, idx), answer in zip(parts, answers, strict=True):
            for i, entity in zip(idx, answer, strict=True):
                out[i] = entity
        return out

    async def _entities_part(self, node: FetchNode, keys: list[bytes], contextual: dict[str, Any]) -> list[Any]:
        variables = self._vars(node)
        variables.update(contextual)
        variables["representations"] = [self._reps[k] for k in keys]
        payload = await self._batcher.call(self._send, node, variables)
        if payload is None:
            return [(None, ())] * len(keys)
        data = payload.get("data") or {}
        entities = data.get("_entities") if isinstance(data, dict) else None
        errors = payload.get("errors") or []
        if not isinstance(entities, list) or len(entities) != len(keys):
            if entities is not None or not errors:
                self.errors.append(graphql_error(
                    f"subgraph '{node.service}' answered _entities with "
                    f"{'a wrong number of' if isinstance(entities, list) else 'no'} entities",
                    SUBREQUEST_MALFORMED_RESPONSE, extensions={"service": node.service}))
            entities = [None] * len(keys)
        per_index: dict[int, list[dict[str, Any]]] = {}
        for err in errors:
            path = err.get("path") if isinstance(err, dict) else None
            if (isinstance(path, list) and len(path) >= 2 and path[0] == "_entities"
                    and isinstance(path[1], int) and 0 <= path[1] < len(keys)):
                per_index.setdefault(path[1], []).append(err)
            else:
                self.errors.append(_downstream(err, node.service, None))
        return [(entity, per_index.get(i, ())) for i, entity in enumerate(entities)]

    async def _entity_fetch(self, flatten: FlattenNode) -> None:
        node = flatten.node
        assert node.requires is not None
        if node.contexts:  # @fromContext values come from the objects' ancestors
            found = context_values.collect_with_ancestors(self.data, flatten.path)
        else:
            found = [(o, ()) for o in collect(self.data, flatten.path)]
        if node.accept:
            found = [(o, above) for o, above in found if o.get("__typename", node.entity) in node.accept]
        owners: dict[bytes, list[dict[str, Any]]] = {}
        for obj, above in found:
            rep = representation(obj, node.requires, node.typename_rewrite, node.entity or "", self.possible)
            if rep is None:
                continue
            if node.contexts:
                vals = context_values.values(obj, above, node.contexts, self.possible)
                k = orjson.dumps([rep, vals], option=orjson.OPT_SORT_KEYS)
                self._context_values[k] = vals
            else:
                # Unsorted: one selection fills its fields in one order, so equal representations mostly
                # dump alike; where not (__typename taken from the object or added last, a JSON-scalar
                # key field), different bytes only cost a duplicate in the batch, never a wrong merge.
                k = orjson.dumps(rep)
            if k not in owners:
                self._reps[k] = rep
                owners[k] = [obj]
            else:
                owners[k].append(obj)
        if not owners:
            return
        keys = list(owners)
        try:
            results = await self._loader(node).load(_Wanted(keys))
        except asyncio.CancelledError:
            # The path down to the objects it would have filled, as far as the first list.
            prefix: list[str | int] = []
            for step in flatten.path:
                if not isinstance(step, Key):
                    break
                prefix.append(step.name)
            self._unfinished(node, prefix or None)
            raise
        paths: dict[int, list[str | int]] | None = None
        for k, (entity, errors) in zip(keys, results, strict=True):
            if isinstance(entity, dict):
                if node.renames:
                    restore_keys(entity, node.selection, self.possible)
                for obj in owners[k]:
                    merge(obj, entity)
            for err in errors:
                if paths is None:
                    paths = collect_paths(self.data, flatten.path)
                for obj in owners[k]:
                    base = paths.get(id(obj))
                    self.errors.append(_downstream(err, node.service,
                                                   [*base, *err["path"][2:]] if base is not None else None))


def _downstream(err: Any, service: str, path: Any) -> dict[str, Any]:
    if not isinstance(err, dict):
        return graphql_error(str(err), DOWNSTREAM_SERVICE_ERROR, extensions={"service": service})
    out: dict[str, Any] = {"message": str(err.get("message", "subgraph error"))}
    if isinstance(path, list):
        out["path"] = path
    ext = dict(err.get("extensions") or {}) if isinstance(err.get("extensions"), dict) else {}
    ext.setdefault("code", DOWNSTREAM_SERVICE_ERROR)
    ext.setdefault("service", service)
    out["extensions"] = ext
    return out
