"""Subgraph SDL -> ``model.Subgraph``: parse, resolve ``@link`` names, drop federation's own types.

SDL printed by subgraph libraries (strawberry, ariadne, ...) carries ``_entities``, ``_service``,
``_Any``, ``_Entity``, ``_Service`` and the federation directive definitions; all are removed here so
every later pass sees only the team's own schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from graphql import (
    BooleanValueNode,
    DirectiveDefinitionNode,
    DirectiveNode,
    GraphQLSyntaxError,
    Node,
    StringValueNode,
    parse,
    print_ast,
)
from graphql.language import ast as gast

from federation.errors import (
    DIRECTIVE_COMPOSITION_ERROR,
    INVALID_GRAPHQL,
    INVALID_SHAREABLE_USAGE,
    ROOT_MUTATION_USED,
    ROOT_QUERY_USED,
    ROOT_SUBSCRIPTION_USED,
    CompositionFailed,
)

from .directive_defs import definition_errors
from .link import Links, resolve_links
from .model import Applied, Arg, EnumValue, Field, Key, Subgraph, TypeDef
from .result import CompositionIssue, SubgraphSource
from .sdl_validation import sdl_errors
from .typeref import named, rename

KINDS: dict[type[Node], str] = {
    gast.ObjectTypeDefinitionNode: "object",
    gast.ObjectTypeExtensionNode: "object",
    gast.InterfaceTypeDefinitionNode: "interface",
    gast.InterfaceTypeExtensionNode: "interface",
    gast.UnionTypeDefinitionNode: "union",
    gast.UnionTypeExtensionNode: "union",
    gast.EnumTypeDefinitionNode: "enum",
    gast.EnumTypeExtensionNode: "enum",
    gast.InputObjectTypeDefinitionNode: "input",
    gast.InputObjectTypeExtensionNode: "input",
    gast.ScalarTypeDefinitionNode: "scalar",
    gast.ScalarTypeExtensionNode: "scalar",
}
# Federation directives that the supergraph keeps, under their canonical names.
PASSTHROUGH = {"tag", "inaccessible", "authenticated", "requiresScopes", "policy", "cost", "listSize"}
GRAPHQL_BUILTIN = {"deprecated", "specifiedBy", "include", "skip", "oneOf"}
CUSTOM = "custom "  # marks a custom directive's name: no GraphQL name has a space, no federation one clashes
EXECUTABLE_LOCATIONS = {
    "QUERY",
    "MUTATION",
    "SUBSCRIPTION",
    "FIELD",
    "FRAGMENT_DEFINITION",
    "FRAGMENT_SPREAD",
    "INLINE_FRAGMENT",
    "VARIABLE_DEFINITION",
}
ROOT_USED = {"query": ROOT_QUERY_USED, "mutation": ROOT_MUTATION_USED, "subscription": ROOT_SUBSCRIPTION_USED}
DEFAULT_ROOTS = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}


def _args(d: DirectiveNode) -> dict[str, gast.ValueNode]:
    return {a.name.value: a.value for a in d.arguments or ()}


def _fields(v: object) -> str | None:
    """A field set argument: a string, or an enum-like name (``fields: id``) as Apollo reads it."""
    if isinstance(v, gast.ListValueNode):  # Federation 1 libraries wrote ["id", "uuid"]
        return " ".join(x.value for x in v.values if isinstance(x, StringValueNode))
    return v.value if isinstance(v, gast.EnumValueNode) else _str(v)


def _str(v: object) -> str | None:
    return v.value if isinstance(v, StringValueNode) else None


def _printed_args(d: DirectiveNode) -> str:
    if not d.arguments:
        return ""
    return "(" + ", ".join(f"{a.name.value}: {print_ast(a.value)}" for a in d.arguments) + ")"


class _Loader:
    def __init__(self, source: SubgraphSource, doc: gast.DocumentNode, links: Links) -> None:
        self.src = source
        self.doc = doc
        self.links = links
        self.sg = Subgraph(source.name, source.url, links.version)
        self.errors: list[CompositionIssue] = []
        self.custom: dict[str, DirectiveDefinitionNode] = {}
        self.composed: set[str] = set()

    def error(self, message: str, coordinate: str | None = None, code: str = INVALID_GRAPHQL) -> None:
        self.errors.append(CompositionIssue(code, f"[{self.src.name}] {message}", (self.src.name,), coordinate))

    def directives(self, nodes: Sequence[DirectiveNode] | None, where: str) -> list[tuple[str, DirectiveNode]]:
        """(canonical name, node) for each directive we understand; unknown ones are reported."""
        out: list[tuple[str, DirectiveNode]] = []
        for d in nodes or ():
            local = d.name.value
            if local == self.links.link_name:
                continue
            fed = self.links.local_to_fed.get(local)
            if fed is not None:
                out.append((fed, d))
            elif local in GRAPHQL_BUILTIN and local not in self.custom:
                out.append((local, d))
            elif local in self.custom:
                # A custom directive, even one named like a federation directive it does not import.
                out.append((CUSTOM + local, d))
            elif not self.links.is_fed1:
                hint = ""
                if local in {"key", "shareable", "external", "requires", "provides", "override", "tag"}:
                    hint = f' If you meant the federation directive, add "@{local}" to the @link imports.'
                self.error(f'Unknown directive "@{local}" on {where}.{hint}', where)
        return out

    def applied(self, name: str, d: DirectiveNode) -> Applied | None:
        if name in PASSTHROUGH or name in ("deprecated", "specifiedBy"):
            return (name, _printed_args(d))
        if name.startswith(CUSTOM) and name[len(CUSTOM) :] in self.composed:
            return (name[len(CUSTOM) :], _printed_args(d))
        return None

    def load(self) -> Subgraph:
        for d in self.doc.definitions:
            if isinstance(d, DirectiveDefinitionNode):
                self.custom[d.name.value] = d
        for d in self.doc.definitions:
            if isinstance(d, gast.SchemaDefinitionNode | gast.SchemaExtensionNode):
                for fed, node in self.directives(d.directives, "the schema"):
                    if fed == "composeDirective":
                        name = (_str(_args(node).get("name")) or "").lstrip("@")
                        self.composed.add(name)
                for op in d.operation_types or ():
                    self.sg.roots[op.operation.value] = op.type.name.value
        for name in self.composed:
            if name in self.custom:
                self.sg.composed[name] = print_ast(self.custom[name])
        self.sg.composed_links = self.composed_links()
        self.sg.defined_directives = set(self.custom)
        self.sg.imports = {fed: local for local, fed in self.links.local_to_fed.items() if "__" not in local}
        self.sg.executable_directives = {
            n: {a.name.value: print_ast(a.type) for a in d.arguments or ()}
            for n, d in self.custom.items()
            if any(loc.value in EXECUTABLE_LOCATIONS for loc in d.locations) and n not in self.links.local_to_fed
        }
        for name in sorted(self.composed):
            if name not in self.custom:
                self.error(
                    f'Could not find matching directive definition for argument to @composeDirective "@{name}" in '
                    f'subgraph "{self.src.name}".',
                    code=DIRECTIVE_COMPOSITION_ERROR,
                )
            elif name not in self.sg.composed_links:
                self.error(
                    f'Directive "@{name}" in subgraph "{self.src.name}" cannot be composed because it is not a '
                    "member of a core feature",
                    code=DIRECTIVE_COMPOSITION_ERROR,
                )
        spec_scalars = self.spec_argument_types()
        for d in self.doc.definitions:
            kind = KINDS.get(type(d))
            if kind is not None:
                assert isinstance(d, gast.TypeDefinitionNode | gast.TypeExtensionNode)
                name = d.name.value
                if not self.links.is_builtin_type(name) and not (kind == "scalar" and name in spec_scalars):
                    self.type_node(kind, d)
        self.normalise_roots()
        if self.errors:
            raise CompositionFailed(self.errors)
        return self.sg

    def composed_links(self) -> dict[str, str]:
        """For each composed directive, the url of the @link that imports it (kept in the supergraph)."""
        out: dict[str, str] = {}
        for d in self.doc.definitions:
            if not isinstance(d, gast.SchemaDefinitionNode | gast.SchemaExtensionNode):
                continue
            for link in d.directives or ():
                if link.name.value != self.links.link_name:
                    continue
                a = _args(link)
                url, imports = _str(a.get("url")), a.get("import")
                for item in imports.values if isinstance(imports, gast.ListValueNode) else ():
                    if isinstance(item, gast.ObjectValueNode):
                        fields = {f.name.value: f.value for f in item.fields}
                        name = _str(fields.get("as")) or _str(fields.get("name")) or ""
                    else:
                        name = _str(item) or ""
                    if name.lstrip("@") in self.composed and url is not None:
                        out[name.lstrip("@")] = url
        return out

    def spec_argument_types(self) -> set[str]:
        """Scalars the printed federation/link directive definitions use (``FieldSet``, ``Import``, ...)."""
        spec = set(self.links.local_to_fed) | {self.links.link_name}
        return {named(print_ast(a.type)) for name, d in self.custom.items() if name in spec for a in d.arguments or ()}

    def type_node(self, kind: str, node: Any) -> None:
        name = node.name.value
        t = self.sg.types.get(name)
        if t is None:
            t = self.sg.types[name] = TypeDef(kind, name)
        elif t.kind != kind:
            self.error(f'Type "{name}" is defined twice with different kinds', name)
            return
        is_ext = isinstance(node, gast.TypeExtensionNode)
        if is_ext:
            t.has_extension = True
        else:
            t.has_definition = True
        if getattr(node, "description", None) is not None and t.description is None:
            t.description = node.description.value
        block_shareable = block_external = False
        for fed, d in self.directives(node.directives, name):
            a = _args(d)
            if fed == "key":
                fields = _fields(a.get("fields")) or ""
                res = a.get("resolvable")
                t.keys.append(Key(fields, not (isinstance(res, BooleanValueNode) and not res.value)))
            elif fed == "extends":
                t.extends_directive = True
            elif fed == "shareable":
                block_shareable = True
            elif fed == "external":
                block_external = not self.links.is_fed1  # Federation 1 ignored @external on types
            elif fed == "interfaceObject":
                t.interface_object = True
            elif fed == "context":
                t.contexts.append(_str(a.get("name")) or "")
            else:
                ap = self.applied(fed, d)
                if ap is not None and ap not in t.applied:
                    t.applied.append(ap)
        for i in getattr(node, "interfaces", None) or ():
            if i.name.value not in t.interfaces:
                t.interfaces.append(i.name.value)
        for m in getattr(node, "types", None) or ():
            if m.name.value not in t.members:
                t.members.append(m.name.value)
        for v in getattr(node, "values", None) or ():
            ev = t.values.setdefault(v.name.value, EnumValue(v.name.value))
            ev.description = v.description.value if v.description else ev.description
            for fed, d in self.directives(v.directives, f"{name}.{v.name.value}"):
                ap = self.applied(fed, d)
                if ap is not None:
                    ev.applied.append(ap)
        for f in getattr(node, "fields", None) or ():
            fld = self.field_node(name, f)
            fld.in_extension = is_ext
            fld.shareable = fld.shareable or block_shareable
            fld.external = fld.external or block_external
            t.fields[fld.name] = fld

    def field_node(self, parent: str, f: Any) -> Field:
        coord = f"{parent}.{f.name.value}"
        fld = Field(f.name.value, print_ast(f.type))
        fld.description = f.description.value if f.description else None
        if isinstance(f, gast.InputValueDefinitionNode):
            fld.default = print_ast(f.default_value) if f.default_value is not None else None
        for fed, d in self.directives(f.directives, coord):
            a = _args(d)
            if fed == "external":
                fld.external = True
            elif fed == "shareable":
                if fld.shareable:
                    self.errors.append(
                        CompositionIssue(
                            INVALID_SHAREABLE_USAGE,
                            f'[{self.src.name}] Invalid duplicate application of @shareable on field "{coord}": '
                            "it is only repeatable on types (a definition and its extensions).",
                            (self.src.name,),
                            coord,
                        )
                    )
                fld.shareable = True
            elif fed == "requires":
                fld.requires = _fields(a.get("fields"))
            elif fed == "provides":
                fld.provides = _fields(a.get("fields"))
            elif fed == "override":
                fld.override = _str(a.get("from"))
                fld.override_label = _str(a.get("label"))
            else:
                ap = self.applied(fed, d)
                if ap is not None and ap not in fld.applied:
                    fld.applied.append(ap)
        for arg in getattr(f, "arguments", None) or ():
            a_model = Arg(arg.name.value, print_ast(arg.type))
            a_model.default = print_ast(arg.default_value) if arg.default_value is not None else None
            a_model.description = arg.description.value if arg.description else None
            for fed, d in self.directives(arg.directives, f"{coord}({arg.name.value}:)"):
                if fed == "fromContext":
                    fld.from_context[arg.name.value] = _str(_args(d).get("field")) or ""
                    continue
                ap = self.applied(fed, d)
                if ap is not None:
                    a_model.applied.append(ap)
            fld.args[a_model.name] = a_model
        return fld

    def normalise_roots(self) -> None:
        for op, name in self.sg.roots.items():
            default = DEFAULT_ROOTS[op]
            if name != default and default in self.sg.types:
                self.error(
                    f'The schema has a type named "{default}" but it is not set as the {op} root type ("{name}" is '
                    "instead): this is not supported by federation. If a root type does not use its default name, "
                    "there should be no other type with that default name.",
                    default,
                    ROOT_USED[op],
                )
        for op, default in DEFAULT_ROOTS.items():
            if op not in self.sg.roots and default in self.sg.types:
                self.sg.roots[op] = default
        query = self.sg.types.get(self.sg.roots.get("query", "Query"))
        if query is not None:
            query.fields.pop("_entities", None)
            query.fields.pop("_service", None)
        for op, name in list(self.sg.roots.items()):
            t = self.sg.types.get(name)
            if t is None or not t.fields:
                self.sg.types.pop(name, None)
                del self.sg.roots[op]
                continue
            target = DEFAULT_ROOTS[op]
            if name != target:
                _rename_type(self.sg, name, target)
                self.sg.roots[op] = target


def _rename_type(sg: Subgraph, old: str, new: str) -> None:
    sg.types[new] = sg.types.pop(old)
    sg.types[new].name = new
    for t in sg.types.values():
        t.interfaces = [new if i == old else i for i in t.interfaces]
        t.members = [new if m == old else m for m in t.members]
        for f in t.fields.values():
            f.type = rename(f.type, old, new)
            for a in f.args.values():
                a.type = rename(a.type, old, new)


def load_subgraph(source: SubgraphSource) -> Subgraph:
    try:
        doc = parse(source.sdl)
    except GraphQLSyntaxError as e:
        raise CompositionFailed(
            [CompositionIssue(INVALID_GRAPHQL, f"[{source.name}] {e.message} at {e.locations}", (source.name,))]
        ) from None
    links = resolve_links(doc, source.name)
    if links.issues:
        raise CompositionFailed(list(links.issues))  # what the rest of the schema means depends on its links
    found = definition_errors(doc, links) or sdl_errors(doc, links)
    problems = [CompositionIssue(code, f"[{source.name}] {p}", (source.name,)) for code, p in found]
    if problems:
        raise CompositionFailed(problems)
    return _Loader(source, doc, links).load()
