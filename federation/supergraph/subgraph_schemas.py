"""One subgraph's schema, rebuilt from the supergraph's join directives.

What a subgraph declared is in the join metadata: its types (``@join__type``), fields
(``@join__field``, with the type it gave them), interfaces, union members and enum values. Rebuilt
with ``_entities`` for its entities, the schema tells whether a document the planner sends is one
that subgraph can accept (``validate``), without the subgraph at hand.
"""

from __future__ import annotations

from collections.abc import Iterable

from graphql import (
    DirectiveNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    FieldDefinitionNode,
    GraphQLSchema,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InputValueDefinitionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    build_ast_schema,
    parse,
    print_ast,
)
from graphql.language import NamedTypeNode, TypeNode

from federation.supergraph.api_schema import feature_names
from federation.supergraph.links import directive_args
from federation.supergraph.model import ENUM, INPUT, INTERFACE, OBJECT, SCALAR, UNION, Supergraph

BUILTIN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}


def subgraph_schema(supergraph: Supergraph, graph: str) -> GraphQLSchema:
    return build_ast_schema(parse(subgraph_sdl(supergraph, graph)), assume_valid=True, assume_valid_sdl=True)


def subgraph_sdl(supergraph: Supergraph, graph: str) -> str:
    return _Builder(supergraph, graph).sdl()


def _named(t: TypeNode) -> str:
    while not isinstance(t, NamedTypeNode):
        t = t.type  # type: ignore[attr-defined]
    return t.name.value


def _arg_text(arg: InputValueDefinitionNode) -> str:
    default = f" = {print_ast(arg.default_value)}" if arg.default_value is not None else ""
    return f"{arg.name.value}: {print_ast(arg.type)}{default}"


class _Builder:
    def __init__(self, supergraph: Supergraph, graph: str) -> None:
        self.sg = supergraph
        self.graph = graph
        join = supergraph.links.get("join")
        assert join is not None
        self.join_field = join.directive("field")
        self.join_enum_value = join.directive("enumValue")
        self.feature = feature_names(supergraph.links)
        # The AST of every type, definition and extensions together: arguments, enum values and
        # input fields are read from it (the join tables keep only what planning needs).
        self.fields: dict[str, dict[str, FieldDefinitionNode]] = {}
        self.values: dict[str, list[tuple[str, tuple[DirectiveNode, ...]]]] = {}
        self.inputs: dict[str, list[InputValueDefinitionNode]] = {}
        for d in supergraph.document.definitions:
            if not isinstance(d, TypeDefinitionNode | TypeExtensionNode):
                continue
            name = d.name.value
            if isinstance(d, EnumTypeDefinitionNode | EnumTypeExtensionNode):
                self.values.setdefault(name, []).extend(
                    (v.name.value, tuple(v.directives or ())) for v in d.values or ())
            elif isinstance(d, InputObjectTypeDefinitionNode | InputObjectTypeExtensionNode):
                self.inputs.setdefault(name, []).extend(d.fields or ())
            else:
                for f in getattr(d, "fields", None) or ():
                    self.fields.setdefault(name, {})[f.name.value] = f

    def sdl(self) -> str:
        sg, graph = self.sg, self.graph
        wanted = [n for n, t in sg.types.items() if not self.feature(n) and n not in BUILTIN_SCALARS
                  and sg.has_type(n, graph)]
        roots = {kind: name for kind, name in sg.root_types.items() if name in sg.types}
        query = roots.get("query", "Query")
        if query not in wanted:
            wanted.append(query)
        entities = [n for n in wanted if n in sg.types and sg.types[n].kind in (OBJECT, INTERFACE)
                    and sg.keys(n, graph) and self._as_object(n)]
        done: set[str] = set()
        parts: list[str] = []
        pending = list(wanted)
        while pending:
            name = pending.pop(0)
            if name in done:
                continue
            done.add(name)
            text, refs = self._type(name, entities if name == query else [])
            parts.append(text)
            # A type a field names must exist: pull in what the join metadata forgot (federation 1).
            pending.extend(r for r in refs if r not in done and r not in BUILTIN_SCALARS)
        if entities:
            parts.append("scalar _Any")
            parts.append("union _Entity = " + " | ".join(entities))
        ops = " ".join(f"{kind}: {name}" for kind, name in roots.items() if name in done)
        if f"query: {query}" not in ops:
            ops = f"query: {query} {ops}"
        return f"schema {{ {ops} }}\n" + "\n".join(parts)

    def _as_object(self, name: str) -> bool:
        t = self.sg.types[name]
        return t.kind == OBJECT or self.sg.is_interface_object(name, self.graph)

    def _type(self, name: str, entities: list[str]) -> tuple[str, set[str]]:
        t = self.sg.types.get(name)
        refs: set[str] = set()
        if t is None:  # a root type nothing declares: it holds only _entities
            return f"type {name} {{ {self._entities(entities)} }}", refs
        if t.kind == SCALAR:
            return f"scalar {name}", refs
        if t.kind == ENUM:
            return f"enum {name} {{ {' '.join(self._enum_values(name))} }}", refs
        if t.kind == UNION:
            members = sorted(t.members.get(self.graph, set())) if t.members else \
                [m for m in t.union_members if self.sg.has_type(m, self.graph)]
            refs.update(members)
            return f"union {name}" + (" = " + " | ".join(members) if members else ""), refs
        if t.kind == INPUT:
            fields = []
            for f in self.inputs.get(name, ()):
                if self._in_graph(f.directives or ()):
                    fields.append(_arg_text(f))
                    refs.add(_named(f.type))
            return f"input {name} {{ {' '.join(fields)} }}", refs
        lines = []
        for fname, info in t.fields.items():
            if info.graphs is None:
                if info.unowned:
                    continue
                type_text = print_ast(info.type)
            elif self.graph in info.graphs:
                type_text = info.graphs[self.graph].type_text or print_ast(info.type)
            else:
                continue
            node = self.fields.get(name, {}).get(fname)
            args = [a for a in (node.arguments or ()) if node is not None] if node is not None else []
            texts = [_arg_text(a) for a in args]
            refs.update(_named(a.type) for a in args)
            # Arguments filled from a @context are the subgraph's, though not the supergraph's.
            for ca in info.graphs[self.graph].context_arguments if info.graphs else ():
                texts.append(f"{ca.name}: {ca.type}")
                refs.add(ca.type.strip("[]!"))
            arg_text = "(" + ", ".join(texts) + ")" if texts else ""
            refs.add(_named(info.type))
            lines.append(f"{fname}{arg_text}: {type_text}")
        if entities:
            lines.append(self._entities(entities))
        if not lines:
            lines.append("_empty: Boolean")  # a type with no fields here still needs one to be valid
        kind = "type" if self._as_object(name) else "interface"
        interfaces = self._interfaces(name)
        refs.update(interfaces)
        impl = " implements " + " & ".join(interfaces) if interfaces else ""
        return f"{kind} {name}{impl} {{ {' '.join(lines)} }}", refs

    def _entities(self, entities: list[str]) -> str:
        return "_entities(representations: [_Any!]!): [_Entity]!" if entities else "_empty: Boolean"

    def _interfaces(self, name: str) -> list[str]:
        t = self.sg.types[name]
        declared: Iterable[str] = t.implements.get(self.graph, set()) if t.implements else t.interfaces
        # An interface this subgraph has as an object (@interfaceObject) cannot be implemented here.
        return sorted(i for i in declared if self.sg.has_type(i, self.graph)
                      and not self.sg.is_interface_object(i, self.graph))

    def _in_graph(self, directives: Iterable[DirectiveNode]) -> bool:
        """Input fields: in this graph when no @join__field names graphs, or one names this one."""
        graphs = [directive_args(d).get("graph") for d in directives if d.name.value == self.join_field]
        return not graphs or self.graph in graphs or all(g is None for g in graphs)

    def _enum_values(self, name: str) -> list[str]:
        values = self.values.get(name, [])
        tagged = any(d.name.value == self.join_enum_value for _, ds in values for d in ds)
        if not tagged:
            return [v for v, _ in values]
        return [v for v, ds in values
                if any(d.name.value == self.join_enum_value and directive_args(d).get("graph") == self.graph
                       for d in ds)]
