"""The merged model the printer turns into supergraph SDL (join v0.5).

Fields, arguments and enum values are the subgraph model's, with the join metadata added where there is any.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .model import Applied, EnumValue, FieldDef


@dataclass
class JoinType:
    graph: str
    key: str | None = None
    extension: bool = False
    resolvable: bool = True
    interface_object: bool = False


@dataclass
class JoinField:
    graph: str | None  # None: the field comes from an @interfaceObject and any graph may serve it
    type: str | None = None  # set when this subgraph types the field differently from the supergraph
    external: bool = False
    requires: str | None = None
    provides: str | None = None
    override: str | None = None
    override_label: str | None = None
    used_overridden: bool = False
    context_arguments: list[tuple[str, str, str, str]] = field(default_factory=list)  # name, type, context, sel


@dataclass
class MField(FieldDef):
    join: list[JoinField] | None = None  # None: every subgraph that has the type resolves it alike


@dataclass
class MEnumValue(EnumValue):
    graphs: list[str] = field(default_factory=list)


@dataclass
class MType:
    kind: str
    name: str
    description: str | None = None
    applied: list[Applied] = field(default_factory=list)
    join_types: list[JoinType] = field(default_factory=list)
    fields: dict[str, MField] = field(default_factory=dict)
    interfaces: list[str] = field(default_factory=list)
    implements: list[tuple[str, str]] = field(default_factory=list)  # (graph, interface)
    members: list[str] = field(default_factory=list)
    union_members: list[tuple[str, str]] = field(default_factory=list)  # (graph, member)
    values: dict[str, MEnumValue] = field(default_factory=dict)


@dataclass(frozen=True)
class Graph:
    enum: str  # the join__Graph value, e.g. ALL_PRODUCTS
    name: str
    url: str


@dataclass
class Supergraph:
    graphs: list[Graph]
    types: dict[str, MType] = field(default_factory=dict)
    roots: dict[str, str] = field(default_factory=dict)
    directive_defs: dict[str, str] = field(default_factory=dict)  # composed custom directives
    directive_links: dict[str, str] = field(default_factory=dict)  # composed directive -> its spec url
