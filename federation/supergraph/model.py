"""The supergraph as the planner sees it: which subgraph resolves what, and how entities are joined.

Built once per supergraph from its join directives (join v0.1 to v0.5). Everything the planner asks
("can graph G resolve T.f?", "which keys does T have in G?", "what can an abstract type be in G?")
is answered from the tables made here, never by re-reading directives per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    FieldDefinitionNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SelectionSetNode,
    TypeNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
)
from graphql.language import NamedTypeNode

from federation.errors import SupergraphError
from federation.supergraph.contexts import ContextArgument, context_arguments, context_types
from federation.supergraph.links import Links, directive_args, read_links
from federation.supergraph.sdl import parse_sdl, parse_selection_set

OBJECT, INTERFACE, UNION, ENUM, INPUT, SCALAR = "OBJECT", "INTERFACE", "UNION", "ENUM", "INPUT_OBJECT", "SCALAR"


def parse_field_set(text: str) -> SelectionSetNode:
    """A join__FieldSet ("id organization { id }") as a selection set."""
    return parse_selection_set("{" + text + "}", "field set")


@dataclass(frozen=True)
class Key:
    fields: str
    selection: SelectionSetNode
    resolvable: bool


@dataclass
class TypeInGraph:
    """What one subgraph declares of a type."""

    graph: str
    keys: list[Key] = field(default_factory=list)
    extension: bool = False
    # The subgraph has this interface as an object type (@interfaceObject).
    interface_object: bool = False


@dataclass(frozen=True)
class FieldInGraph:
    graph: str
    external: bool = False
    requires: SelectionSetNode | None = None
    provides: SelectionSetNode | None = None
    type_text: str | None = None
    override: str | None = None
    override_label: str | None = None
    used_overridden: bool = False
    # Arguments the gateway fills from an ancestor's @context (@fromContext): not in the API schema.
    context_arguments: tuple[ContextArgument, ...] = ()


@dataclass
class FieldInfo:
    name: str
    type: TypeNode
    # None: no join__field at all, so every graph that has the parent type resolves it.
    graphs: dict[str, FieldInGraph] | None = None
    # A bare @join__field (no graph): no subgraph resolves it on this type itself (interface objects do).
    unowned: bool = False

    @property
    def type_name(self) -> str:
        t = self.type
        while not isinstance(t, NamedTypeNode):
            t = t.type  # type: ignore[attr-defined]
        return t.name.value


@dataclass
class TypeInfo:
    name: str
    kind: str
    graphs: dict[str, TypeInGraph] = field(default_factory=dict)
    fields: dict[str, FieldInfo] = field(default_factory=dict)
    # Per graph: the interfaces this type implements there / the members a union has there.
    implements: dict[str, set[str]] = field(default_factory=dict)
    members: dict[str, set[str]] = field(default_factory=dict)
    interfaces: list[str] = field(default_factory=list)  # supergraph-wide
    union_members: list[str] = field(default_factory=list)  # supergraph-wide
    owner: str | None = None  # join v0.1 @join__owner


@dataclass(frozen=True)
class Subgraph:
    """What ``@join__graph`` says of one subgraph; ``Supergraph.subgraphs`` keys it by its join__Graph value."""

    name: str
    url: str


class Supergraph:
    """The join tables of a supergraph. Graphs are identified by their join__Graph enum value."""

    def __init__(self, document: DocumentNode, links: Links) -> None:
        self.document = document
        self.links = links
        join = links.get("join")
        assert join is not None
        self.join_version = join.version
        self._d = {n: join.directive(n) for n in ("graph", "type", "field", "implements", "unionMember",
                                                  "enumValue", "owner")}
        self.subgraphs: dict[str, Subgraph] = {}
        self.types: dict[str, TypeInfo] = {}
        self.root_types: dict[str, str] = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}
        self._load()
        self._check_graphs()
        self.possible: dict[str, set[str]] = self._possible_types()
        # Progressive @override labels ("percent(25)" or a flag name): plans depend on which are active.
        self.override_labels: frozenset[str] = frozenset(
            fg.override_label for t in self.types.values() for f in t.fields.values()
            for fg in (f.graphs or {}).values() if fg.override_label)
        # @context: context name -> the types that set it.
        self.contexts: dict[str, frozenset[str]] = context_types(document, links)

    # ---- loading -------------------------------------------------------------------------------
    def _load(self) -> None:
        kinds: list[tuple[type, str]] = [
            (ObjectTypeDefinitionNode, OBJECT), (ObjectTypeExtensionNode, OBJECT),
            (InterfaceTypeDefinitionNode, INTERFACE), (InterfaceTypeExtensionNode, INTERFACE),
            (UnionTypeDefinitionNode, UNION), (UnionTypeExtensionNode, UNION),
            (EnumTypeDefinitionNode, ENUM), (EnumTypeExtensionNode, ENUM),
            (InputObjectTypeDefinitionNode, INPUT), (InputObjectTypeExtensionNode, INPUT),
            (ScalarTypeDefinitionNode, SCALAR), (ScalarTypeExtensionNode, SCALAR),
        ]
        graph_enum = self.links.get("join")
        assert graph_enum is not None
        graph_enum_name = graph_enum.type_name("Graph")
        for definition in self.document.definitions:
            if isinstance(definition, SchemaDefinitionNode):
                for op in definition.operation_types:
                    self.root_types[op.operation.value] = op.type.name.value
                continue
            kind = next((k for cls, k in kinds if isinstance(definition, cls)), None)
            if kind is None:
                continue
            name = definition.name.value  # type: ignore[attr-defined]
            if name == graph_enum_name:
                self._load_graphs(definition)  # type: ignore[arg-type]
            info = self.types.get(name)
            if info is None:
                info = self.types[name] = TypeInfo(name, kind)
            self._load_type(info, definition)
        if not self.subgraphs:
            raise SupergraphError(f"the supergraph declares no subgraphs (enum {graph_enum_name} is empty)")

    def _load_graphs(self, node: EnumTypeDefinitionNode) -> None:
        for value in node.values or ():
            for d in value.directives or ():
                if d.name.value == self._d["graph"]:
                    args = directive_args(d)
                    self.subgraphs[value.name.value] = Subgraph(
                        str(args.get("name", value.name.value)), str(args.get("url", ""))
                    )

    def _load_type(self, info: TypeInfo, node: object) -> None:
        d = self._d
        for directive in getattr(node, "directives", None) or ():
            dname = directive.name.value
            if dname == d["type"]:
                args = directive_args(directive)
                graph = str(args["graph"])
                tig = info.graphs.get(graph)
                if tig is None:
                    tig = info.graphs[graph] = TypeInGraph(graph)
                if args.get("key"):
                    tig.keys.append(Key(str(args["key"]), parse_field_set(str(args["key"])),
                                        bool(args.get("resolvable", True))))
                tig.extension = tig.extension or bool(args.get("extension", False))
                tig.interface_object = tig.interface_object or bool(args.get("isInterfaceObject", False))
            elif dname == d["implements"]:
                args = directive_args(directive)
                info.implements.setdefault(str(args["graph"]), set()).add(str(args["interface"]))
            elif dname == d["unionMember"]:
                args = directive_args(directive)
                info.members.setdefault(str(args["graph"]), set()).add(str(args["member"]))
            elif dname == d["owner"]:
                info.owner = str(directive_args(directive)["graph"])
        for iface in getattr(node, "interfaces", None) or ():
            info.interfaces.append(iface.name.value)
        for member in getattr(node, "types", None) or ():
            info.union_members.append(member.name.value)
        for fnode in getattr(node, "fields", None) or ():
            if isinstance(fnode, FieldDefinitionNode):
                info.fields[fnode.name.value] = self._load_field(fnode)

    def _load_field(self, node: FieldDefinitionNode) -> FieldInfo:
        info = FieldInfo(node.name.value, node.type)
        for directive in node.directives or ():
            if directive.name.value != self._d["field"]:
                continue
            args = directive_args(directive)
            if info.graphs is None:
                info.graphs = {}
            if args.get("graph") is None:
                info.unowned = True
                continue
            graph = str(args["graph"])
            info.graphs[graph] = FieldInGraph(
                graph,
                external=bool(args.get("external", False)),
                requires=parse_field_set(str(args["requires"])) if args.get("requires") else None,
                provides=parse_field_set(str(args["provides"])) if args.get("provides") else None,
                type_text=str(args["type"]) if args.get("type") else None,
                override=str(args["override"]) if args.get("override") else None,
                override_label=str(args["overrideLabel"]) if args.get("overrideLabel") else None,
                used_overridden=bool(args.get("usedOverridden", False)),
                context_arguments=context_arguments(args.get("contextArguments")),
            )
        return info

    def _check_graphs(self) -> None:
        """Every graph a join directive names must be declared: a typo would surface per request."""
        for t in self.types.values():
            named = set(t.graphs) | set(t.implements) | set(t.members)
            if t.owner:
                named.add(t.owner)
            for f in t.fields.values():
                named |= set(f.graphs or ())
            unknown = named - set(self.subgraphs)
            if unknown:
                raise SupergraphError(f"{t.name} names subgraph(s) {', '.join(sorted(unknown))} that the supergraph "
                                      "does not declare in join__Graph")

    def _possible_types(self) -> dict[str, set[str]]:
        possible: dict[str, set[str]] = {}
        for t in self.types.values():
            if t.kind == OBJECT:
                possible.setdefault(t.name, set()).add(t.name)
                for iface in t.interfaces:
                    possible.setdefault(iface, set()).add(t.name)
            elif t.kind == UNION:
                possible.setdefault(t.name, set()).update(t.union_members)
        # Interfaces implementing interfaces: an object of the inner one is also one of the outer.
        for t in self.types.values():
            if t.kind == INTERFACE:
                possible.setdefault(t.name, set())
        return possible

    # ---- questions the planner asks -------------------------------------------------------------
    def graph_name(self, graph: str) -> str:
        return self.subgraphs[graph].name

    def has_type(self, type_name: str, graph: str) -> bool:
        t = self.types.get(type_name)
        if t is None:
            return False
        if graph in t.graphs:
            return True
        # Federation-1 origin supergraphs omit join__type on value types; treat them as everywhere.
        return not t.graphs

    def is_abstract(self, type_name: str) -> bool:
        t = self.types.get(type_name)
        return t is not None and t.kind in (INTERFACE, UNION)

    def is_interface_object(self, type_name: str, graph: str) -> bool:
        t = self.types.get(type_name)
        return bool(t and graph in t.graphs and t.graphs[graph].interface_object)

    def keys(self, type_name: str, graph: str, resolvable_only: bool = True) -> list[Key]:
        t = self.types.get(type_name)
        if t is None or graph not in t.graphs:
            return []
        return [k for k in t.graphs[graph].keys if k.resolvable or not resolvable_only]

    def field_graphs(self, type_name: str, field_name: str, labels: frozenset[str] = frozenset()) -> list[str]:
        """Graphs that resolve ``type_name.field_name`` themselves (not external, not overridden)."""
        t = self.types.get(type_name)
        if t is None:
            return []
        f = t.fields.get(field_name)
        if f is None:
            return []
        if f.graphs is None:
            if f.unowned:
                return []
            if t.owner is not None:
                return [t.owner]
            return list(t.graphs) if t.graphs else list(self.subgraphs)
        overridden = {fg.override for fg in f.graphs.values() if fg.override and not fg.override_label}
        taken = {fg.override: fg.override_label for fg in f.graphs.values() if fg.override and fg.override_label}
        out = []
        for graph, fg in f.graphs.items():
            if fg.external or fg.used_overridden:
                continue
            if graph in overridden:
                continue
            # Progressive @override: the overriding graph (override + label) resolves it while its label
            # is active, the overridden one (label only) while it is not.
            if fg.override_label is not None and (fg.override_label in labels) != (fg.override is not None):
                continue
            if taken.get(graph, "") in labels:  # overridden under a label it does not carry itself
                continue
            out.append(graph)
        return out

    def field_in_graph(self, type_name: str, field_name: str, graph: str) -> FieldInGraph | None:
        t = self.types.get(type_name)
        if t is None:
            return None
        f = t.fields.get(field_name)
        if f is None or f.graphs is None:
            return None
        return f.graphs.get(graph)

    def resolvable(self, type_name: str, field_name: str, graph: str, labels: frozenset[str] = frozenset()) -> bool:
        return graph in self.field_graphs(type_name, field_name, labels)

    def possible_in_graph(self, type_name: str, graph: str) -> set[str]:
        """Runtime object types a value of ``type_name`` can have when it comes from ``graph``."""
        t = self.types.get(type_name)
        if t is None:
            return set()
        if t.kind == OBJECT:
            return {type_name}
        if t.kind == INTERFACE and self.is_interface_object(type_name, graph):
            return set()
        if t.kind == UNION:
            if t.members:
                return set(t.members.get(graph, set()))
            return {m for m in t.union_members if self.has_type(m, graph)}
        out = set()
        for obj in self.possible.get(type_name, ()):
            o = self.types[obj]
            if not self.has_type(obj, graph):
                continue
            if o.implements:
                if type_name in o.implements.get(graph, set()):
                    out.add(obj)
            else:
                out.add(obj)
        return out

    def interface_objects_of(self, type_name: str) -> list[tuple[str, str]]:
        """(interface, graph) pairs where an interface of this object type is an @interfaceObject."""
        t = self.types.get(type_name)
        if t is None:
            return []
        out = []
        for iface in t.interfaces:
            it = self.types.get(iface)
            if it is None:
                continue
            for graph, tig in it.graphs.items():
                if tig.interface_object:
                    out.append((iface, graph))
        return out


def load_supergraph(sdl: str) -> Supergraph:
    try:
        document = parse_sdl(sdl)
    except Exception as exc:
        raise SupergraphError(f"the supergraph is not valid GraphQL SDL: {exc}") from exc
    return Supergraph(document, read_links(document))
