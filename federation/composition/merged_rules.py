"""Checks on the merged model: what no single subgraph can see on its own."""

from __future__ import annotations

from graphql import EnumValueNode, GraphQLError, ListValueNode, ObjectValueNode, parse_value

from federation import errors as E

from .context import Ctx
from .fieldset import FieldSetError, walk
from .model import Arg, FieldDef
from .supergraph import Supergraph
from .typeref import is_non_null, merge_output, named


def check_merged(ctx: Ctx, sup: Supergraph) -> None:
    _external_missing_on_base(ctx, sup)
    _interface_fields(ctx, sup)
    _inaccessible(ctx, sup)
    _inaccessible_inputs(ctx, sup)
    _inaccessible_implementations(ctx, sup)
    _extensions_with_no_base(ctx, sup)
    _interface_objects_without_interface(ctx, sup)
    _transitive_auth(ctx, sup)
    _interface_keys(ctx)
    _interface_key_implementations(ctx, sup)


def _interface_key_implementations(ctx: Ctx, sup: Supergraph) -> None:
    """A subgraph with a resolvable key on an interface must know every implementation of it."""
    for i, sg in enumerate(ctx.subgraphs):
        for iface in sg.types.values():
            if iface.kind != "interface" or not any(k.resolvable for k in iface.keys):
                continue
            implementations = [t.name for t in sup.types.values() if t.kind == "object" and iface.name in t.interfaces]
            missing = [n for n in implementations if n not in sg.types or iface.name not in sg.types[n].interfaces]
            for name in missing:
                ctx.error(
                    E.INTERFACE_KEY_MISSING_IMPLEMENTATION_TYPE,
                    iface.name,
                    f'[{sg.name}] Interface type "{iface.name}" has a resolvable key in subgraph "{sg.name}" but '
                    f'that subgraph lacks its implementation type "{name}". Define "{name}" there (implementing '
                    f'"{iface.name}"), or make the key resolvable: false.',
                    [i],
                )


def _hidden(applied: list[tuple[str, str]]) -> bool:
    return any(n == "inaccessible" for n, _ in applied)


def _inaccessible(ctx: Ctx, sup: Supergraph) -> None:
    query = sup.types.get("Query")
    if query is not None and _hidden(query.applied):
        ctx.error(E.QUERY_ROOT_TYPE_INACCESSIBLE, "Query", 'The query root type "Query" cannot be @inaccessible.')
    hidden_types = {t.name for t in sup.types.values() if _hidden(t.applied)}
    for t in sup.types.values():
        if t.name in hidden_types:
            continue
        for f in t.fields.values():
            if _hidden(f.applied):
                continue
            coord = f"{t.name}.{f.name}"
            refs = [(coord, f.type)] + [
                (f"{coord}({a.name}:)", a.type) for a in f.args.values() if not _hidden(a.applied)
            ]
            for where, ref in refs:
                if named(ref) in hidden_types:
                    ctx.error(
                        E.REFERENCED_INACCESSIBLE,
                        where,
                        f'Type "{named(ref)}" is @inaccessible but is referenced by "{where}", which is in '
                        f'the API schema. Make "{where}" @inaccessible too, or make "{named(ref)}" '
                        "accessible.",
                    )
        children = [f.applied for f in t.fields.values()] + [v.applied for v in t.values.values()]
        if t.kind == "union":
            children = [[("inaccessible", "")] if m in hidden_types else [] for m in t.members]
        if children and all(_hidden(c) for c in children):
            ctx.error(
                E.ONLY_INACCESSIBLE_CHILDREN,
                t.name,
                f'Type "{t.name}" is in the API schema but all of its '
                f"{'members' if t.kind == 'union' else 'values' if t.kind == 'enum' else 'fields'} are "
                f'@inaccessible. Make one of them accessible, or make "{t.name}" @inaccessible.',
            )


def _auth_names(applied: list[tuple[str, str]]) -> set[str]:
    return {n for n, _ in applied if n in ("authenticated", "requiresScopes", "policy")}


def _transitive_auth(ctx: Ctx, sup: Supergraph) -> None:
    """A @requires field must carry the auth requirements of the data it requires (Apollo checks names)."""
    for i, sg in enumerate(ctx.subgraphs):
        for t in sg.types.values():
            for f in t.fields.values():
                if not f.requires:
                    continue
                try:
                    uses = walk(sg, t.name, f.requires)
                except FieldSetError:
                    continue
                have = _auth_names(f.applied) | _auth_names(t.applied)
                for u in uses:
                    need = _required_auth(sup, u.parent, u.name)
                    if need - have:
                        coord = f"{t.name}.{f.name}"
                        ctx.error(
                            E.MISSING_TRANSITIVE_AUTH_REQUIREMENTS,
                            coord,
                            f'[{sg.name}] Field "{coord}" does not specify necessary @authenticated, @requiresScopes '
                            f'and/or @policy auth requirements to access the transitive field "{u.parent}.{u.name}" '
                            "data from @requires selection set.",
                            [i],
                        )
                        break


def _required_auth(sup: Supergraph, parent: str, name: str) -> set[str]:
    """The auth directives on a field of the supergraph, its type, and (for an interface) its implementations'."""
    out: set[str] = set()
    t = sup.types.get(parent)
    if t is None:
        return out
    holders = [t] + [o for o in sup.types.values() if parent in o.interfaces and o.kind == "object"]
    for h in holders:
        f = h.fields.get(name)
        if f is not None:
            out |= _auth_names(f.applied)
            target = sup.types.get(named(f.type))
            if target is not None:
                out |= _auth_names(target.applied)
                for o in sup.types.values():  # what an abstract type's values may be
                    if o.kind == "object" and (target.name in o.interfaces or o.name in target.members):
                        out |= _auth_names(o.applied)
        out |= _auth_names(h.applied) if h is not t else set()
    return out


def _interface_objects_without_interface(ctx: Ctx, sup: Supergraph) -> None:
    for name in sup.types:
        defs = ctx.defs(name)
        if defs and all(t.interface_object for _, t in defs):
            ctx.error(
                E.INTERFACE_OBJECT_USAGE_ERROR,
                name,
                f'Type "{name}" is declared with @interfaceObject in all the subgraphs in which is is defined (it is '
                f"defined in {'subgraph' if len(defs) == 1 else 'subgraphs'} {ctx.names(i for i, _ in defs)} but "
                "should be defined as an interface in at least one subgraph)",
                [i for i, _ in defs],
            )


def _extensions_with_no_base(ctx: Ctx, sup: Supergraph) -> None:
    """A type only ever extended, never defined (entities excepted, as Apollo does but for lone Federation 1 ones)."""
    for name in sup.types:
        if name in sup.roots.values():
            continue
        defs = ctx.defs(name)
        if not defs or not all(t.extends_directive or not t.has_definition for _, t in defs):
            continue
        fed1_alone = len(defs) == 1 and ctx.subgraphs[defs[0][0]].is_fed1
        if any(t.keys for _, t in defs) and not fed1_alone:
            continue  # an entity: its definition may live in a subgraph outside this composition
        ctx.error(
            E.EXTENSION_WITH_NO_BASE,
            name,
            f'[{ctx.subgraphs[defs[0][0]].name}] Type "{name}" is an extension type, but there is no type definition '
            f'for "{name}" in any subgraph.',
            [i for i, _ in defs],
        )


def _inaccessible_inputs(ctx: Ctx, sup: Supergraph) -> None:
    """What the API schema keeps must not need a hidden input: required or used in a default value."""
    hidden_types = {t.name for t in sup.types.values() if _hidden(t.applied)}
    hidden_values = {
        (t.name, v.name)
        for t in sup.types.values()
        if t.kind == "enum"
        for v in t.values.values()
        if _hidden(v.applied)
    }
    for t in sup.types.values():
        if t.name in hidden_types:
            continue
        for f in t.fields.values():
            if _hidden(f.applied) and t.kind != "input":
                continue
            coord = f"{t.name}.{f.name}"
            inputs: list[tuple[str, FieldDef, str, str]] = [
                (f"{coord}({a.name}:)", _as_value(a), "Argument", "argument of its field") for a in f.args.values()
            ]
            if t.kind == "input":
                inputs = [(coord, f, "Input field", "input field of its type")]
            for where, value, noun, role in inputs:
                if _hidden(value.applied):
                    if is_non_null(value.type) and value.default is None:
                        ctx.error(
                            E.REQUIRED_INACCESSIBLE,
                            where,
                            f'{noun} "{where}" is @inaccessible but is a required {role}.',
                        )
                    continue
                enum = named(value.type)
                for v in _enum_names(value.default):
                    if (enum, v) in hidden_values:
                        ctx.error(
                            E.DEFAULT_VALUE_USES_INACCESSIBLE,
                            where,
                            f'Enum value "{enum}.{v}" is @inaccessible but is used in the default value of '
                            f'"{where}", which is in the API schema.',
                        )


def _as_value(a: Arg) -> FieldDef:
    """An argument seen as an input value (type, default, directives), like an input field."""
    return FieldDef(a.name, a.type, applied=a.applied, default=a.default)


def _enum_names(default: str | None) -> list[str]:
    if default is None:
        return []
    try:
        value = parse_value(default)
    except GraphQLError:
        return []
    out: list[str] = []
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, EnumValueNode):
            out.append(v.value)
        elif isinstance(v, ListValueNode):
            stack += v.values
        elif isinstance(v, ObjectValueNode):
            stack += [f.value for f in v.fields]
    return out


def _inaccessible_implementations(ctx: Ctx, sup: Supergraph) -> None:
    for t in sup.types.values():
        if _hidden(t.applied) or t.kind not in ("object", "interface"):
            continue
        for f in t.fields.values():
            if not _hidden(f.applied):
                continue
            for iname in t.interfaces:
                iface = sup.types.get(iname)
                if iface is None or _hidden(iface.applied) or f.name not in iface.fields:
                    continue
                if not _hidden(iface.fields[f.name].applied):
                    ctx.error(
                        E.IMPLEMENTED_BY_INACCESSIBLE,
                        f"{t.name}.{f.name}",
                        f'Field "{t.name}.{f.name}" is @inaccessible but implements the interface field '
                        f'"{iname}.{f.name}", which is in the API schema.',
                    )


def _interface_keys(ctx: Ctx) -> None:
    for i, sg in enumerate(ctx.subgraphs):
        for iface in sg.types.values():
            if iface.kind != "interface" or not iface.keys:
                continue
            for t in sg.types.values():
                if iface.name not in t.interfaces or t.kind != "object":
                    continue  # an interface implementing an entity interface needs no key of its own
                have = {_canon(k.fields) for k in t.keys}
                for k in iface.keys:
                    if _canon(k.fields) not in have:
                        ctx.error(
                            E.INTERFACE_KEY_NOT_ON_IMPLEMENTATION,
                            t.name,
                            f'[{sg.name}] Key @key(fields: "{k.fields}") on interface type "{iface.name}" is '
                            f'missing on implementation type "{t.name}". Add it to "{t.name}".',
                            [i],
                        )


def _canon(fields: str) -> str:
    return " ".join(fields.replace("{", " { ").replace("}", " } ").split())


def _external_missing_on_base(ctx: Ctx, sup: Supergraph) -> None:
    for t in sup.types.values():
        # Fields an @interfaceObject resolves for every implementation of its interface.
        from_objects = {
            n
            for i in t.interfaces
            if (it := sup.types.get(i)) is not None and any(j.interface_object for j in it.join_types)
            for n in it.fields
        }
        for f in t.fields.values():
            if f.name in from_objects:
                continue
            if f.join and all(j.external for j in f.join) and all(j.graph is not None for j in f.join):
                graphs = [i for i, g in enumerate(ctx.graphs) if any(j.graph == g.enum for j in f.join)]
                ctx.error(
                    E.EXTERNAL_MISSING_ON_BASE,
                    f"{t.name}.{f.name}",
                    f'Field "{t.name}.{f.name}" is marked @external in all the subgraphs that define it '
                    f"({ctx.names(graphs)}): no subgraph resolves it. Define it without @external in the "
                    "subgraph that owns it.",
                    graphs,
                )


def _interface_fields(ctx: Ctx, sup: Supergraph) -> None:
    for t in sup.types.values():
        if t.kind not in ("object", "interface"):
            continue
        for iname in t.interfaces:
            iface = sup.types.get(iname)
            if iface is None:
                continue
            for fname, ifield in iface.fields.items():
                if fname in t.fields:
                    own = t.fields[fname].type
                    if merge_output(own, ifield.type, ctx.is_subtype) != ifield.type:
                        ctx.error(
                            E.INVALID_GRAPHQL,
                            f"{t.name}.{fname}",
                            f"Interface field {iname}.{fname} expects type {ifield.type} but {t.name}.{fname} of type "
                            f"{own} is not a proper subtype.",
                        )
                    continue
                where = [i for i, g in enumerate(ctx.graphs) if (g.enum, iname) in t.implements]
                ctx.error(
                    E.INTERFACE_FIELD_NO_IMPLEM,
                    f"{t.name}.{fname}",
                    f'Interface field "{iname}.{fname}" is declared, but type "{t.name}", which implements '
                    f'"{iname}", does not define "{fname}" in any subgraph. Add it to "{t.name}".',
                    where,
                )
