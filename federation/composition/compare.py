"""Are two supergraphs equivalent? Same API schema, same join metadata, order and join version aside.

Used by the tests against reference supergraphs, and by ``federation compose --check FILE`` to tell
whether a committed supergraph still matches its subgraphs.
"""

from __future__ import annotations

import re
from typing import Any

from graphql import DirectiveNode, parse, print_ast
from graphql.language import ast as gast

HIDDEN_DIRECTIVES = {"inaccessible", "link"}
JOIN_DEFAULTS = {
    "extension": "false",
    "resolvable": "true",
    "isInterfaceObject": "false",
    "external": "false",
    "usedOverridden": "false",
}
SPEC_PREFIXES = ("join__", "link__", "policy__", "requiresScopes__")


def _norm_fieldset(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\s*([{}])\s*", r" \1 ", text)).strip()


def _directive(d: DirectiveNode) -> str:
    args = []
    for a in d.arguments or ():
        value = print_ast(a.value)
        if d.name.value.startswith("join__"):
            if JOIN_DEFAULTS.get(a.name.value) == value:
                continue
            if a.name.value in ("key", "requires", "provides") and isinstance(a.value, gast.StringValueNode):
                value = _norm_fieldset(a.value.value)
        args.append(f"{a.name.value}: {value}")
    return f"@{d.name.value}(" + ", ".join(sorted(args)) + ")"


def _visible(node: Any) -> bool:
    return not any(d.name.value == "inaccessible" for d in getattr(node, "directives", None) or ())


def _public(node: Any) -> str:
    ds = [
        _directive(d)
        for d in getattr(node, "directives", None) or ()
        if not d.name.value.startswith("join__") and d.name.value not in HIDDEN_DIRECTIVES
    ]
    return " ".join(sorted(ds))


def _desc(node: Any) -> str:
    desc = getattr(node, "description", None)
    return f'"{desc.value.strip()}" ' if desc is not None else ""


def _inputs(values: Any) -> str:
    items = [
        f"{_desc(a)}{a.name.value}: {print_ast(a.type)}"
        + (f" = {print_ast(a.default_value)}" if a.default_value is not None else "")
        + f" {_public(a)}".rstrip()
        for a in values or ()
        if _visible(a)
    ]
    return "(" + ", ".join(sorted(items)) + ")" if items else ""


def split(sdl: str) -> tuple[list[str], dict[str, list[str]]]:
    """(API schema lines, join metadata per coordinate), both canonical."""
    doc = parse(sdl)
    api: list[str] = []
    join: dict[str, list[str]] = {}

    def add_join(coord: str, node: Any) -> None:
        apps = sorted(_directive(d) for d in node.directives or () if d.name.value.startswith("join__"))
        if apps:
            join[coord] = apps

    for d in doc.definitions:
        if isinstance(d, gast.SchemaDefinitionNode):
            api += [f"schema {op.operation.value}: {op.type.name.value}" for op in d.operation_types]
            continue
        if not isinstance(d, gast.TypeDefinitionNode):
            continue
        name = d.name.value
        if name.startswith(SPEC_PREFIXES):
            if name == "join__Graph" and isinstance(d, gast.EnumTypeDefinitionNode):
                for v in d.values or ():
                    join[f"join__Graph.{v.name.value}"] = [_directive(x) for x in v.directives or ()]
            continue
        add_join(name, d)
        if not _visible(d):
            api.append(f"hidden {name}")
            continue
        head = f"{type(d).__name__.replace('TypeDefinitionNode', '')} {_desc(d)}{name} {_public(d)}".rstrip()
        interfaces = sorted(i.name.value for i in getattr(d, "interfaces", None) or ())
        members = sorted(m.name.value for m in getattr(d, "types", None) or ())
        api.append(
            head
            + (" implements " + " & ".join(interfaces) if interfaces else "")
            + (" = " + " | ".join(members) if members else "")
        )
        for f in getattr(d, "fields", None) or ():
            coord = f"{name}.{f.name.value}"
            add_join(coord, f)
            if not _visible(f):
                continue
            args = _inputs(getattr(f, "arguments", None))
            default = getattr(f, "default_value", None)
            dv = f" = {print_ast(default)}" if default is not None else ""
            api.append(f"  {coord}{args}: {print_ast(f.type)}{dv} {_desc(f)}{_public(f)}".rstrip())
        for v in getattr(d, "values", None) or ():
            coord = f"{name}.{v.name.value}"
            add_join(coord, v)
            if _visible(v):
                api.append(f"  {coord} {_desc(v)}{_public(v)}".rstrip())
    return sorted(api), join


def differences(expected_sdl: str, actual_sdl: str) -> list[str]:
    """Human-readable differences; empty when the supergraphs are equivalent."""
    exp_api, exp_join = split(expected_sdl)
    act_api, act_join = split(actual_sdl)
    out = [f"api: missing {line}" for line in exp_api if line not in act_api]
    out += [f"api: unexpected {line}" for line in act_api if line not in exp_api]
    for coord in sorted(set(exp_join) | set(act_join)):
        e, a = exp_join.get(coord, []), act_join.get(coord, [])
        if e != a:
            out.append(f"join {coord}: expected {' '.join(e) or '(none)'}, got {' '.join(a) or '(none)'}")
    return out
