"""Walk the normalised operation and give every field to a fetch group.

A fetch group is one request to one subgraph: the root operation, or an ``_entities`` call for the
objects found at one response path. A field the current group's subgraph can resolve joins that group;
otherwise the planner jumps through an entity key to a subgraph that can, adding the key (and any
``@requires`` fields) to the group that holds the objects. Dependencies between groups follow from
where those key and requires fields were placed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace

from graphql import (
    DirectiveNode,
    FieldNode,
    InlineFragmentNode,
    NameNode,
    SelectionNode,
    SelectionSetNode,
    print_ast,
)

from federation.operation.normalize import NormalizedOperation
from federation.planner.aliases import prealias
from federation.planner.groups import Group, PlanningError, Pos
from federation.planner.reach import Reach, unwrap
from federation.planner.selection import SelSet
from federation.supergraph.model import INTERFACE, OBJECT, Key, Supergraph

__all__ = ["Builder", "Group", "PlanningError", "Pos"]

TYPENAME = FieldNode(name=NameNode(value="__typename"))


class Builder:
    def __init__(self, supergraph: Supergraph, operation: NormalizedOperation) -> None:
        self.sg = supergraph
        self.reach = Reach(supergraph)
        self.op = operation
        self.groups: list[Group] = []
        self._index: dict[tuple[object, ...], Group] = {}
        self._recording: list[set[int]] = []
        self._graph_order = {g: i for i, g in enumerate(supergraph.subgraphs)}
        self._roots: dict[str, Group] = {}

    # ---- groups ------------------------------------------------------------------------------
    def _new_group(self, graph: str, kind: str, path: tuple[str, ...], entity: str | None = None) -> Group:
        g = Group(id=len(self.groups), graph=graph, kind=kind, path=path, entity=entity)
        self.groups.append(g)
        return g

    def _touch(self, group: Group) -> None:
        for rec in self._recording:
            rec.add(group.id)

    @contextmanager
    def _record(self) -> Iterator[set[int]]:
        rec: set[int] = set()
        self._recording.append(rec)
        try:
            yield rec
        finally:
            self._recording.pop()

    # ---- entry -------------------------------------------------------------------------------
    def build(self) -> list[Group]:
        try:
            return self._build()
        except RecursionError:
            raise PlanningError("the operation is too deep or too entangled to plan") from None

    def _build(self) -> list[Group]:
        root_type = self.sg.root_types[self.op.operation]
        selections = self.op.selection_set.selections
        root_groups = self._roots
        previous: Group | None = None
        for sel in self._root_fields(selections):
            if isinstance(sel, FieldNode) and sel.name.value.startswith("__"):
                continue  # __typename, __schema, __type: answered by the gateway
            name = sel.name.value if isinstance(sel, FieldNode) else ""
            candidates = self.sg.field_graphs(root_type, name)
            if not candidates:
                raise PlanningError(f"no subgraph resolves {root_type}.{name}")
            if self.op.operation == "mutation":
                # Mutations run in order: a new group whenever the subgraph changes.
                graph = previous.graph if previous and previous.graph in candidates else \
                    self._best_root(root_type, candidates, sel, set())
                if previous is None or previous.graph != graph:
                    previous = self._new_group(graph, "mutation", ())
                group = previous
            else:
                graph = self._best_root(root_type, candidates, sel, set(root_groups))
                group = root_groups.get(graph) or self._new_group(graph, self.op.operation, ())
                root_groups[graph] = group
            self.plan_set(Pos(group, group.selection, ()), root_type, [sel])
        return self.groups

    def _root_fields(self, selections: Sequence[SelectionNode]) -> list[SelectionNode]:
        """Root selections with unconditional fragments flattened (the root type is never abstract)."""
        out: list[SelectionNode] = []
        for sel in selections:
            if isinstance(sel, InlineFragmentNode) and not sel.directives:
                out.extend(self._root_fields(sel.selection_set.selections))
            elif isinstance(sel, InlineFragmentNode):
                for inner in self._root_fields(sel.selection_set.selections):
                    if isinstance(inner, FieldNode):
                        out.append(FieldNode(alias=inner.alias, name=inner.name, arguments=inner.arguments,
                                             directives=tuple(inner.directives or ()) + tuple(sel.directives),
                                             selection_set=inner.selection_set))
            else:
                out.append(sel)
        return out

    def _best_root(self, type_name: str, candidates: list[str], sel: SelectionNode, used: set[str]) -> str:
        return max(candidates, key=lambda g: (self.reach.coverage(g, type_name, [sel], None), g in used,
                                              -self._graph_order[g]))

    # ---- what a graph resolves ---------------------------------------------------------------
    # ---- planning a selection set ------------------------------------------------------------
    def plan_set(self, pos: Pos, type_name: str, selections: Sequence[SelectionNode]) -> None:
        graph = pos.group.graph
        sg = self.sg
        abstract = sg.is_abstract(type_name)
        iface_obj = abstract and sg.is_interface_object(type_name, graph)
        remote: list[SelectionNode] = []
        self._touch(pos.group)
        for sel in selections:
            if isinstance(sel, FieldNode):
                name = sel.name.value
                if name == "__typename":
                    if iface_obj:
                        remote.append(sel)
                    else:
                        pos.sel.field(sel.alias.value if sel.alias else None, name, (), tuple(sel.directives or ()))
                elif self.reach.local(type_name, name, graph, pos.provided):
                    self._add_local(pos, type_name, sel)
                elif abstract and not iface_obj and not self._entity_candidates(type_name, graph, sel, pos):
                    self._explode(pos, type_name, sel)
                else:
                    remote.append(sel)
            elif isinstance(sel, InlineFragmentNode):
                self._plan_fragment(pos, type_name, sel, iface_obj, remote)
        if remote:
            self._plan_remote(pos, type_name, remote, selections)

    def _plan_fragment(self, pos: Pos, type_name: str, sel: InlineFragmentNode, iface_obj: bool,
                       remote: list[SelectionNode]) -> None:
        sg = self.sg
        graph = pos.group.graph
        cond = sel.type_condition.name.value if sel.type_condition else type_name
        directives = tuple(sel.directives or ())
        narrowing = cond != type_name and not (
            not sg.is_abstract(type_name) and type_name in sg.possible.get(cond, ())
        )
        if not narrowing:
            if directives:
                frag = pos.sel.fragment(None, directives)
                inner = replace(pos, sel=frag.sub, conds=pos.conds + directives)
                self.plan_set(inner, type_name, sel.selection_set.selections)
            else:
                self.plan_set(pos, type_name, sel.selection_set.selections)
            return
        if iface_obj:
            remote.append(sel)
            return
        here = sg.possible_in_graph(type_name, graph) & self._safe_members(pos, type_name)
        targets = sorted(here & sg.possible.get(cond, {cond}))
        if not targets:
            return  # nothing this subgraph returns here can be of that type
        # Keep an abstract condition only where this subgraph agrees on all its members; otherwise
        # (e.g. a type implements the interface in another subgraph only) ask per object type.
        if sg.types[cond].kind == OBJECT or (sg.has_type(cond, graph) and not sg.is_interface_object(cond, graph)
                                              and set(targets) <= sg.possible_in_graph(cond, graph)):
            self._plan_narrowed(pos, cond, directives, sel.selection_set.selections, targets)
        else:
            for obj in targets:
                self._plan_narrowed(pos, obj, directives, sel.selection_set.selections, [obj])

    def _safe_members(self, pos: Pos, type_name: str) -> set[str]:
        """Union members every subgraph that could resolve this (shareable) path agrees on.

        Below shareable fields the same path may be answered by another subgraph whose union has other
        members; only the common ones are safe to ask for.
        """
        t = self.sg.types[type_name]
        everything = set(self.sg.possible.get(type_name, ()))
        if t.kind != "UNION":
            return everything
        graphs: set[str] | None = None
        p = pos
        while p.parent is not None:
            ppos, ptype, pfield = p.parent
            found = set(self.sg.field_graphs(ptype, pfield.name.value))
            graphs = found if graphs is None else graphs & found
            if ptype == self.sg.root_types["query"] or any(self.sg.keys(ptype, g) for g in graphs):
                break
            p = ppos
        if not graphs or len(graphs) < 2:
            return everything
        common = everything
        for g in graphs:
            common = common & self.sg.possible_in_graph(type_name, g)
        return common

    def _plan_narrowed(self, pos: Pos, cond: str, directives: tuple[DirectiveNode, ...],
                       selections: Sequence[SelectionNode], targets: list[str]) -> None:
        frag = pos.sel.fragment(cond, directives)
        if self.sg.is_abstract(cond):
            frag.sub.typename()
        inner = replace(pos, sel=frag.sub, path=(*pos.path, "|" + ",".join(targets)),
                        conds=pos.conds + directives)
        self.plan_set(inner, cond, selections)

    def _explode(self, pos: Pos, type_name: str, sel: FieldNode) -> None:
        """An interface field this subgraph cannot resolve on the interface: ask per implementation."""
        graph = pos.group.graph
        objects = sorted(self.sg.possible_in_graph(type_name, graph))
        if not objects:
            raise PlanningError(f"cannot plan {type_name}.{sel.name.value}: {self.sg.graph_name(graph)} has no "
                                f"implementation of {type_name} and no subgraph can resolve it by key")
        for obj in objects:
            self._plan_narrowed(pos, obj, (), [sel], [obj])

    def _add_local(self, pos: Pos, type_name: str, sel: FieldNode) -> None:
        name = sel.name.value
        t = self.sg.types[type_name]
        finfo = t.fields.get(name)
        if finfo is None:
            raise PlanningError(f"{type_name}.{name} is not in the supergraph")
        child, depth = unwrap(finfo.type)
        item = pos.sel.field(sel.alias.value if sel.alias else None, name, tuple(sel.arguments or ()),
                             tuple(sel.directives or ()), sel.selection_set is not None)
        graph = pos.group.graph
        fig = self.sg.field_in_graph(type_name, name, graph)
        item.type_text = fig.type_text if fig is not None and fig.type_text else None
        if sel.selection_set is None or item.sub is None:
            return
        if self.sg.is_abstract(child) and not self.sg.is_interface_object(child, graph):
            item.sub.typename()
        inner = Pos(pos.group, item.sub, pos.path + (item.key,) + ("@",) * depth,
                    self.reach.child_provided(type_name, name, graph, pos.provided), (), pos.chain,
                    (pos, type_name, sel))
        self.plan_set(inner, child, sel.selection_set.selections)

    # ---- jumps -------------------------------------------------------------------------------
    def _entity_candidates(self, type_name: str, graph: str, sel: SelectionNode,
                           pos: Pos) -> list[tuple[str, str]]:
        """(subgraph, entity type) pairs an entity jump could take ``sel`` to."""
        sg = self.sg
        out: list[tuple[str, str]] = []
        t = sg.types[type_name]
        if self._at_query_root(pos, type_name):
            # The query root is everyone's: "jumping" there is one more root fetch, no key needed.
            if isinstance(sel, FieldNode):
                out = [(g, type_name) for g in sg.field_graphs(type_name, sel.name.value)
                       if g != graph and (type_name, g) not in pos.chain]
            return out
        if isinstance(sel, FieldNode) and sel.name.value != "__typename":
            name = sel.name.value
            for g in sg.field_graphs(type_name, name):
                if sg.keys(type_name, g) and (type_name, g) not in pos.chain:
                    fig = sg.field_in_graph(type_name, name, g)
                    if g != graph or (fig is not None and fig.requires is not None):
                        out.append((g, type_name))
            if t.kind == OBJECT:
                for iface, g in sg.interface_objects_of(type_name):
                    if sg.resolvable(iface, name, g) and sg.keys(iface, g) and (iface, g) not in pos.chain \
                            and g != graph:
                        out.append((g, iface))
        elif t.kind == INTERFACE:
            # __typename or a type condition in an @interfaceObject subgraph: ask one that knows the types.
            for g, tig in t.graphs.items():
                if not tig.interface_object and sg.keys(type_name, g) and g != graph:
                    out.append((g, type_name))
        return out

    def _source(self, pos: Pos, type_name: str, fields: SelectionSetNode) -> Pos | None:
        """The nearest position up the line whose subgraph resolves ``fields`` itself."""
        for p in pos.lineage():
            if self.reach.fieldset_local(p.group.graph, type_name, fields, p.provided):
                return p
        return None

    def _pick_key(self, pos: Pos, type_name: str, target: str, entity: str) -> tuple[Key, Pos | None] | None:
        keys = self.sg.keys(entity, target)
        for key in keys:
            source = self._source(pos, type_name, key.selection)
            if source is not None:
                return key, source
        for key in keys:
            return key, None
        return None

    def _plan_remote(self, pos: Pos, type_name: str, remote: list[SelectionNode],
                     siblings: Sequence[SelectionNode]) -> None:
        options = {id(sel): self._entity_candidates(type_name, pos.group.graph, sel, pos) for sel in remote}
        pending = list(remote)
        while pending:
            tally: dict[tuple[str, str], list[SelectionNode]] = {}
            for sel in pending:
                for cand in options[id(sel)]:
                    tally.setdefault(cand, []).append(sel)
            if not tally and pos.parent is not None:
                self._plan_from_parent(pos, pending)
                return
            if not tally:
                sel = pending[0]
                what = sel.name.value if isinstance(sel, FieldNode) else "a type condition"
                graph_name = self.sg.graph_name(pos.group.graph)
                raise PlanningError(f"cannot plan {type_name}.{what}: no subgraph reachable from "
                                    f"{graph_name} resolves it")

            ranked = {cand: self._rank(pos, type_name, cand, sels) for cand, sels in tally.items()}
            best = max(ranked, key=ranked.__getitem__)
            chosen = tally[best]
            pending = [s for s in pending if s not in chosen]
            self._jump(pos, type_name, best[0], best[1], chosen, siblings)

    def _at_query_root(self, pos: Pos, type_name: str) -> bool:
        return (not pos.path and self.op.operation == "query" and pos.group.entity is None
                and type_name == self.sg.root_types["query"])

    def _plan_from_parent(self, pos: Pos, pending: list[SelectionNode]) -> None:
        """Ask for the parent field again, from a subgraph that can jump to the parent entity."""
        assert pos.parent is not None
        ppos, ptype, pfield = pos.parent
        again = FieldNode(alias=pfield.alias, name=pfield.name, arguments=pfield.arguments,
                          directives=pfield.directives, selection_set=SelectionSetNode(selections=tuple(pending)))
        self._plan_remote(ppos, ptype, [again], [again])

    def _rank(self, pos: Pos, type_name: str, cand: tuple[str, str],
              covered: list[SelectionNode]) -> tuple[int, bool, bool, int, int]:
        """Prefer the jump that takes more fields, needs no extra hop for its key, reuses a fetch,
        and leaves fewer jumps below it."""
        key = self._pick_key(pos, type_name, cand[0], cand[1])
        direct = key is not None and key[1] is not None
        existing = (cand[0], pos.path, cand[1], pos.group.id, None, pos.conds) in self._index
        cov = sum(self.reach.coverage(cand[0], cand[1], [s], None) for s in covered)
        return (len(covered), direct, existing, cov, -self._graph_order[cand[0]])

    def _jump(self, pos: Pos, type_name: str, target: str, entity: str, selections: list[SelectionNode],
              siblings: Sequence[SelectionNode]) -> None:
        if self._at_query_root(pos, type_name):
            group = self._roots.get(target) or self._new_group(target, "query", ())
            self._roots[target] = group
            chain = pos.chain | {(type_name, pos.group.graph), (type_name, target)}
            self.plan_set(Pos(group, group.selection, (), chain=chain), type_name, selections)
            return
        plain: list[SelectionNode] = []
        for sel in selections:
            fig = self.sg.field_in_graph(entity, sel.name.value, target) if isinstance(sel, FieldNode) else None
            if fig is not None and fig.requires is not None:
                group = self._entity_group(pos, type_name, target, entity, siblings, fig.requires, sel)
                self._plan_in(group, pos, entity, [sel], direct=True)
            else:
                plain.append(sel)
        if plain:
            group = self._entity_group(pos, type_name, target, entity, siblings, None, None)
            self._plan_in(group, pos, entity, plain)

    def _plan_in(self, group: Group, pos: Pos, entity: str, selections: list[SelectionNode],
                 direct: bool = False) -> None:
        sel = group.selection
        if pos.conds:
            sel = sel.fragment(None, pos.conds).sub
        chain = pos.chain | {(entity, group.graph)}
        inner = Pos(group, sel, pos.path, None, (), chain, pos.parent, pos)
        if self.sg.is_abstract(entity) and not self.sg.is_interface_object(entity, group.graph):
            sel.typename()  # the concrete type, which the client's type conditions need
        if direct:  # a @requires field: its group exists for it, its inputs are on the way
            self._touch(group)
            for s in selections:
                assert isinstance(s, FieldNode)
                self._add_local(inner, entity, s)
        else:
            self.plan_set(inner, entity, selections)

    def _entity_group(self, pos: Pos, type_name: str, target: str, entity: str,
                      siblings: Sequence[SelectionNode], requires: SelectionSetNode | None,
                      for_field: SelectionNode | None) -> Group:
        marker = print_ast(for_field) if for_field is not None else None
        index_key = (target, pos.path, entity, pos.group.id, marker, pos.conds)
        existing = self._index.get(index_key)
        if existing is not None:
            return existing
        picked = self._pick_key(pos, type_name, target, entity)
        if picked is None:
            raise PlanningError(f"{entity} has no resolvable key in {self.sg.graph_name(target)}")
        key, source = picked
        group = self._new_group(target, "query", pos.path, entity)
        group.inputs = SelSet()
        frag = group.inputs.fragment(entity)
        frag.sub.typename()
        key_fields = prealias(key.selection, siblings)
        frag.sub.add_ast(key_fields)
        if self.sg.is_interface_object(entity, target):
            group.typename_rewrite = entity
        group.accept = frozenset(self.sg.possible.get(entity, set()) | {entity})
        needed: list[SelectionNode] = list(key_fields.selections)
        src = source or pos
        if not self.sg.is_interface_object(type_name, src.group.graph):
            needed.append(TYPENAME)
        base = replace(src, conds=(), chain=pos.chain | {(entity, target), (type_name, pos.group.graph)})
        with self._record() as touched:
            self.plan_set(base, type_name, needed)
            if requires is not None:
                req = prealias(requires, siblings)
                frag.sub.add_ast(req)
                req_src = self._source(pos, type_name, req) or pos
                self.plan_set(replace(req_src, conds=()), type_name, req.selections)
        group.deps = touched | {pos.group.id}
        group.deps.discard(group.id)
        self._index[index_key] = group
        return group

