"""``@fromContext`` fields: the context's selection planned at the nearest ancestor, the field after it.

A field whose argument is filled from a context (``field(a: String @fromContext(field: "$ctx { prop }"))``)
cannot go in the fetch that returns its ancestor: the value is not known until that fetch answers.
So, for each such argument:

1. the nearest ancestor in the operation whose type sets the context is found (an interface or
   union setting it counts for its types; an ancestor that only may be of such a type is kept, with
   its type, and the search goes on above it);
2. the context's selection (and ``__typename``) is planned at that ancestor, as ``@requires`` fields
   are: in the fetch that returns it, or an entity fetch of its own where that subgraph cannot;
3. the field is planned with the argument as a variable (``$contextualArgument_1_0``) in an entity
   fetch that waits for those fetches: the current entity fetch when every ancestor read is at or
   above its objects and comes from fetches it may wait for (the value then rides with each
   representation), else a new entity fetch for the field's parent objects.

Execution reads each entity's value from its ancestors (``federation.planner.contexts``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from graphql import ArgumentNode, FieldNode, NameNode, SelectionNode, SelectionSetNode, VariableNode, print_ast

from federation.errors import PlanningError
from federation.planner.aliases import prealias
from federation.planner.contexts import ContextInput, ContextSource, levels
from federation.planner.selection import SelSet
from federation.planner.walk import fields, jumps
from federation.planner.walk.state import Pos, Walk
from federation.supergraph.contexts import ContextArgument
from federation.supergraph.model import FieldInGraph

_TYPENAME = FieldNode(name=NameNode(value="__typename"))
# An ancestor found: its object level, the types it must have (None: any), what is read there.
_Found = tuple[int, frozenset[str] | None, SelSet]


def place(w: Walk, pos: Pos, type_name: str, target: str, entity: str, sel: FieldNode, fig: FieldInGraph,
          siblings: Sequence[SelectionNode]) -> None:
    marker = (target, pos.path, pos.group.id, print_ast(sel), pos.conds)
    if marker in w.contextual:
        return  # asked twice at one place: the first placement serves both
    w.contextual.add(marker)
    found: list[tuple[ContextArgument, str, list[_Found]]] = []
    touched: set[int] = set()
    read: list[list[_Found]] = []
    for arg in fig.context_arguments:
        with w.record() as rec:
            read.append(_ancestors(w, pos, type_name, sel, arg))
        touched |= rec
    # Numbered by what they read: the field asked under several type conditions at one level reads
    # the same values, so after fetches merge it is sent once, with the same variables.
    signature = (target, type_name, sel.name.value, levels(pos.path),
                 tuple((d, t, s.compact()) for sources in read for d, t, s in sources))
    number = w.context_numbers.setdefault(signature, len(w.context_numbers) + 1)
    for i, (arg, sources) in enumerate(zip(fig.context_arguments, read, strict=True)):
        found.append((arg, f"{w.context_prefix}_{number}_{i}", sources))
    current = pos.group
    ride = (target == current.graph and current.entity is not None and fig.requires is None
            and all(depth <= levels(current.path) for _, _, sources in found for depth, _, _ in sources)
            and not any(g == current.id or _waits_for(w, g, current.id) for g in touched))
    group = current if ride else jumps._entity_group(w, pos, type_name, target, entity, siblings, fig.requires, sel)
    base = levels(group.path)
    known = {c.variable for c in group.contexts}
    for arg, variable, sources in found:
        if variable not in known:
            group.contexts.append(ContextInput(variable, arg.type, tuple(
                ContextSource(base - depth, types, selection) for depth, types, selection in sources)))
    w.waits.setdefault(group.id, set()).update(touched - {group.id})
    args = tuple(sel.arguments or ()) + tuple(
        ArgumentNode(name=NameNode(value=arg.name), value=VariableNode(name=NameNode(value=variable)))
        for arg, variable, _ in found)
    field = FieldNode(alias=sel.alias, name=sel.name, arguments=args, directives=sel.directives,
                      selection_set=sel.selection_set)
    if ride:
        w.touch(current)
        fields.add_local(w, pos, type_name, field)
    else:
        jumps._plan_in(w, group, pos, entity, [field], direct=True)


def _ancestors(w: Walk, pos: Pos, type_name: str, sel: FieldNode, arg: ContextArgument) -> list[_Found]:
    """Plan the context's selection at the nearest ancestors that may set it; nearest first."""
    sg = w.sg
    setters = sg.contexts.get(arg.context, frozenset())
    runtime: set[str] = set(setters)
    for t in setters:
        runtime |= sg.possible.get(t, set())
    out: list[_Found] = []
    p = pos
    while p.parent is not None:
        ancestor, anc_type, _ = p.parent
        p = ancestor
        possible = sg.possible.get(anc_type) or {anc_type}
        hit = possible & runtime
        if not hit:
            continue
        certain = anc_type in setters or possible <= runtime
        read = prealias(arg.selection, _client_selections(w, ancestor))
        holder = _holder(w, ancestor, anc_type, read, pos.group.id)
        fields.plan_set(w, replace(holder, conds=()), anc_type, [_TYPENAME, *read.selections])
        selection = SelSet()
        selection.add_ast(read)
        out.append((levels(ancestor.path), None if certain else frozenset(hit), selection))
        if certain:
            return out
    if not out:
        raise PlanningError(f"cannot plan {type_name}.{sel.name.value}: no enclosing field's type sets the context "
                            f"its argument '{arg.name}' is read from")
    return out


def _client_selections(w: Walk, p: Pos) -> Sequence[SelectionNode]:
    """What the client selects at ``p``: the context's fields are aliased away from those keys."""
    if p.parent is not None:
        led = p.parent[2].selection_set
        return led.selections if led is not None else ()
    return w.op.selection_set.selections if not p.path else ()


def _holder(w: Walk, ancestor: Pos, type_name: str, read: SelectionSetNode, current: int) -> Pos:
    """Where to plan the context's selection: the ancestor's objects in a fetch other than ``current``
    (whose answer comes too late), the one resolving it all itself first."""
    others = [p for p in ancestor.lineage() if p.group.id != current]
    for p in others:
        if w.reach.fieldset_local(p.group.graph, type_name, read, p.provided):
            return p
    return others[0] if others else ancestor


def _waits_for(w: Walk, start: int, target: int) -> bool:
    """Does group ``start`` wait (transitively) for group ``target``, as the walk has it so far?"""
    seen: set[int] = set()
    stack = [start]
    while stack:
        gid = stack.pop()
        if gid == target:
            return True
        if gid in seen:
            continue
        seen.add(gid)
        stack.extend(w.waits.get(gid, ()))
    return False
