"""Supergraph model -> SDL, with link v1.0 and join v0.5, in the layout Apollo's tools print."""

from __future__ import annotations

from graphql.language.block_string import print_block_string
from graphql.language.print_string import print_string

from .model import Applied, Arg
from .supergraph import JoinField, JoinType, MField, MType, Supergraph

JOIN_DEFINITIONS = "\n\n".join(
    [
        (
            "directive @join__directive(graphs: [join__Graph!], name: String!, "
            "args: join__DirectiveArguments) repeatable on SCHEMA | OBJECT | INTERFACE"
            " | FIELD_DEFINITION"
        ),
        ("directive @join__enumValue(graph: join__Graph!) repeatable on ENUM_VALUE"),
        (
            "directive @join__field(graph: join__Graph, requires: join__FieldSet, "
            "provides: join__FieldSet, type: String, external: Boolean, override: String, "
            "usedOverridden: Boolean, overrideLabel: String, "
            "contextArguments: [join__ContextArgument!]) repeatable on FIELD_DEFINITION"
            " | INPUT_FIELD_DEFINITION"
        ),
        ("directive @join__graph(name: String!, url: String!) on ENUM_VALUE"),
        ("directive @join__implements(graph: join__Graph!, interface: String!) repeatable on OBJECT | INTERFACE"),
        (
            "directive @join__type(graph: join__Graph!, key: join__FieldSet, "
            "extension: Boolean! = false, resolvable: Boolean! = true, "
            "isInterfaceObject: Boolean! = false) repeatable on OBJECT | INTERFACE | UNION | ENUM"
            " | INPUT_OBJECT | SCALAR"
        ),
        ("directive @join__unionMember(graph: join__Graph!, member: String!) repeatable on UNION"),
        ("directive @link(url: String, as: String, for: link__Purpose, import: [link__Import]) repeatable on SCHEMA"),
    ]
)

# Specs the supergraph links when a subgraph used them: (directive, url, purpose, definition).
SPECS: list[tuple[str, str, str | None, str]] = [
    (
        "context",
        "https://specs.apollo.dev/context/v0.1",
        "SECURITY",
        "directive @context(name: String!) repeatable on INTERFACE | OBJECT | UNION",
    ),
    (
        "authenticated",
        "https://specs.apollo.dev/authenticated/v0.1",
        "SECURITY",
        "directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM",
    ),
    (
        "cost",
        "https://specs.apollo.dev/cost/v0.1",
        None,
        "directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION"
        " | INPUT_FIELD_DEFINITION | OBJECT | SCALAR",
    ),
    (
        "inaccessible",
        "https://specs.apollo.dev/inaccessible/v0.2",
        "SECURITY",
        "directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION"
        " | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION",
    ),
    (
        "listSize",
        "https://specs.apollo.dev/cost/v0.1",
        None,
        "directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], "
        "requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION",
    ),
    (
        "policy",
        "https://specs.apollo.dev/policy/v0.1",
        "SECURITY",
        "directive @policy(policies: [[policy__Policy!]!]!) on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM",
    ),
    (
        "requiresScopes",
        "https://specs.apollo.dev/requiresScopes/v0.1",
        "SECURITY",
        "directive @requiresScopes(scopes: [[requiresScopes__Scope!]!]!) on FIELD_DEFINITION | OBJECT"
        " | INTERFACE | SCALAR | ENUM",
    ),
    (
        "tag",
        "https://specs.apollo.dev/tag/v0.3",
        None,
        "directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION"
        " | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION"
        " | SCHEMA",
    ),
]
SPEC_SCALARS = {"policy": "scalar policy__Policy", "requiresScopes": "scalar requiresScopes__Scope"}
LINK_PURPOSE = '''enum link__Purpose {
  """
  `SECURITY` features provide metadata necessary to securely resolve fields.
  """
  SECURITY

  """
  `EXECUTION` features provide metadata necessary for operation execution.
  """
  EXECUTION
}'''


def _used_directives(sup: Supergraph) -> set[str]:
    used: set[str] = set()

    def add(applied: list[Applied]) -> None:
        used.update(n for n, _ in applied)

    for t in sup.types.values():
        add(t.applied)
        for f in t.fields.values():
            add(f.applied)
            for a in f.args.values():
                add(a.applied)
        for v in t.values.values():
            add(v.applied)
    return used


def _desc(text: str | None, indent: str) -> list[str]:
    if not text:
        return []
    return [indent + line if line else "" for line in print_block_string(text).split("\n")]


def _applied(applied: list[Applied], first: bool | None = None) -> str:
    """Applied directives; Apollo prints @inaccessible before the join metadata, the others after."""
    chosen = [(n, a) for n, a in applied if first is None or (n == "inaccessible") == first]
    return "".join(f" @{n}{a}" for n, a in chosen)


def _join_type(j: JoinType) -> str:
    parts = [f"graph: {j.graph}"]
    if j.key is not None:
        parts.append(f"key: {print_string(j.key)}")
    if j.extension:
        parts.append("extension: true")
    if not j.resolvable:
        parts.append("resolvable: false")
    if j.interface_object:
        parts.append("isInterfaceObject: true")
    return f"@join__type({', '.join(parts)})"


def _join_field(j: JoinField) -> str:
    parts: list[str] = []
    if j.graph is not None:
        parts.append(f"graph: {j.graph}")
    if j.requires is not None:
        parts.append(f"requires: {print_string(j.requires)}")
    if j.provides is not None:
        parts.append(f"provides: {print_string(j.provides)}")
    if j.type is not None:
        parts.append(f"type: {print_string(j.type)}")
    if j.external:
        parts.append("external: true")
    if j.override is not None:
        parts.append(f"override: {print_string(j.override)}")
    if j.used_overridden:
        parts.append("usedOverridden: true")
    if j.override_label is not None:
        parts.append(f"overrideLabel: {print_string(j.override_label)}")
    if j.context_arguments:
        items = [
            f"{{context: {print_string(c)}, name: {print_string(n)}, type: {print_string(t)}, "
            f"selection: {print_string(sel)}}}"
            for n, t, c, sel in j.context_arguments
        ]
        parts.append(f"contextArguments: [{', '.join(items)}]")
    return f"@join__field({', '.join(parts)})" if parts else "@join__field"


def _args(args: dict[str, Arg]) -> str:
    if not args:
        return ""
    items = []
    for a in args.values():
        default = f" = {a.default}" if a.default is not None else ""
        items.append((a, f"{a.name}: {a.type}{default}{_applied(a.applied)}"))
    if not any(a.description for a, _ in items):
        return "(" + ", ".join(s for _, s in items) + ")"
    lines = ["("]
    for a, s in items:
        lines += [*_desc(a.description, "    "), "    " + s]
    return "\n".join(lines) + "\n  )"


def _field(f: MField, is_input: bool) -> list[str]:
    default = f" = {f.default}" if is_input and f.default is not None else ""
    joins = "".join(" " + _join_field(j) for j in f.join or ())
    return [
        *_desc(f.description, "  "),
        f"  {f.name}{_args(f.args)}: {f.type}{default}{_applied(f.applied, True)}{joins}{_applied(f.applied, False)}",
    ]


def _type(t: MType) -> str:
    keyword = {"object": "type", "interface": "interface", "union": "union", "enum": "enum", "input": "input"}
    head = f"{keyword.get(t.kind, 'scalar')} {t.name}"
    if t.interfaces:
        head += " implements " + " & ".join(t.interfaces)
    directives = [f"@join__implements(graph: {g}, interface: {print_string(i)})" for g, i in t.implements]
    directives += [_join_type(j) for j in t.join_types]
    directives += [f"@join__unionMember(graph: {g}, member: {print_string(m)})" for g, m in t.union_members]
    directives += [f"@{n}{a}" for n, a in t.applied]
    lines = [*_desc(t.description, ""), head, *("  " + d for d in directives)]
    if t.kind == "union":
        if t.members:
            lines.append(" = " + " | ".join(t.members))
        return "\n".join(lines)
    if t.kind == "scalar":
        return "\n".join(lines)
    body: list[str] = []
    if t.kind == "enum":
        for v in t.values.values():
            joins = "".join(f" @join__enumValue(graph: {g})" for g in v.graphs)
            body += [
                *_desc(v.description, "  "),
                f"  {v.name}{_applied(v.applied, True)}{joins}{_applied(v.applied, False)}",
            ]
    else:
        for f in t.fields.values():
            if f.description and body:
                body.append("")  # a described field stands apart, as graphql-js prints it
            body += _field(f, t.kind == "input")
    return "\n".join([*lines, "{", *body, "}"])


def print_supergraph(sup: Supergraph) -> str:
    used = _used_directives(sup)
    links = [
        '@link(url: "https://specs.apollo.dev/link/v1.0")',
        '@link(url: "https://specs.apollo.dev/join/v0.5", for: EXECUTION)',
    ]
    definitions = [JOIN_DEFINITIONS]
    extra_types: list[tuple[str, str]] = []
    linked: set[str] = set()
    # Apollo links the specs with a purpose first (alphabetically), then the others.
    for name, url, purpose, definition in sorted(SPECS, key=lambda spec: (spec[2] is None, spec[0])):
        if name not in used:
            continue
        if url not in linked:
            linked.add(url)
            # @listSize is not the cost spec's own name, so it is imported to be used unprefixed.
            imports = ', import: ["@listSize"]' if name in ("cost", "listSize") and "listSize" in used else ""
            links.append(f'@link(url: "{url}"{imports}' + (f", for: {purpose})" if purpose else ")"))
        definitions.append(definition)
        if name in SPEC_SCALARS:
            extra_types.append((SPEC_SCALARS[name].split()[-1], SPEC_SCALARS[name]))
    for dname, sdl in sorted(sup.directive_defs.items()):
        if dname in used:
            definitions.append(sdl)
            if dname in sup.directive_links:
                links.append(f'@link(url: {print_string(sup.directive_links[dname])}, import: ["@{dname}"])')
    schema = "schema\n" + "\n".join("  " + link for link in links) + "\n{\n"
    schema += "".join(f"  {op}: {name}\n" for op, name in sup.roots.items()) + "}"
    graphs = "\n".join(
        f"  {g.enum} @join__graph(name: {print_string(g.name)}, url: {print_string(g.url)})" for g in sup.graphs
    )
    builtin = [
        (
            "join__ContextArgument",
            "input join__ContextArgument {\n  name: String!\n  type: String!\n"
            "  context: String!\n  selection: join__FieldValue!\n}",
        ),
        ("join__DirectiveArguments", "scalar join__DirectiveArguments"),
        ("join__FieldSet", "scalar join__FieldSet"),
        ("join__FieldValue", "scalar join__FieldValue"),
        ("join__Graph", "enum join__Graph {\n" + graphs + "\n}"),
        ("link__Import", "scalar link__Import"),
        ("link__Purpose", LINK_PURPOSE),
    ]
    types = builtin + extra_types + [(t.name, _type(t)) for t in sup.types.values()]
    types.sort(key=lambda item: (item[0].lower(), item[0]))
    return "\n\n".join([schema, *sorted(definitions), *(sdl for _, sdl in types)]) + "\n"
