"""What the state for a new supergraph keeps of the state it replaces, and why each part is safe.

Every input of a cached outcome is named here; a part is kept only when all of its inputs are equal.
Both states serve one gateway, so they share its configuration (limits, introspection, subgraph
settings) and its ``PolicyServices``; what differs is the supergraph.

- **Plans** (and the response shapes compiled with them) are a function of the supergraph's
  document, the operation and the configuration. The document's only part that no plan carries is
  each subgraph's routing URL (``@join__graph(url:)``): plan nodes name a subgraph by its join__Graph
  value and name, and execution looks the URL up in the state's client. So when the documents are
  equal apart from those URLs, the plans are kept, and with them the API schema and the policies'
  analysers, which are built from the same document (kept as the same objects, so a kept shape
  refers to the schema in service, and nothing is built twice).
- **Documents** (parsed, validated, normalised) depend on the API schema and the limits only: kept
  whenever the new API schema prints identically, even if join metadata changed.
- **Connections**: a replica's transport (its pool of open connections) is taken over when the
  new supergraph and configuration give it the same ``TransportConfig`` (URL, fixed headers,
  connection limits, CA file); timeouts are per call, not part of a transport.
"""

from __future__ import annotations

import hashlib

from graphql import DirectiveNode, EnumTypeDefinitionNode, GraphQLSchema, print_schema

from federation.execution.fetcher import SubgraphClient
from federation.execution.transport import Transport, TransportConfig, open_transport
from federation.supergraph.model import Supergraph


def same_plan_inputs(old: Supergraph, new: Supergraph) -> bool:
    """The two documents are equal, node for node, once the ``url`` of every ``@join__graph`` is left out."""
    if old.document is new.document:
        return True
    before, after = old.document.definitions, new.document.definitions
    if len(before) != len(after) or _graph_names(old) != _graph_names(new):
        return False
    enum, directive = _graph_names(new)
    for a, b in zip(before, after, strict=True):
        if isinstance(a, EnumTypeDefinitionNode) and isinstance(b, EnumTypeDefinitionNode) \
                and a.name.value == enum == b.name.value:
            if _without_urls(a, directive) != _without_urls(b, directive):
                return False
        elif a != b:  # graphql-core nodes compare field by field, recursively
            return False
    return True


def schema_digest(schema: GraphQLSchema) -> bytes:
    """What "prints identically" compares: every type, field, argument and directive definition."""
    return hashlib.blake2b(print_schema(schema).encode(), digest_size=16).digest()


class TransportHandOver:
    """A transport factory for the new client: the previous client's transport where the config is
    unchanged, else a new one. ``taken`` says which were taken, so that closing the previous client
    leaves them open (see ``SubgraphClient.aclose(keep=...)``)."""

    def __init__(self, previous: SubgraphClient | None) -> None:
        usable = previous is not None and not previous.is_closed
        self._offered = previous.transports_by_config() if usable and previous is not None else {}
        self.taken: set[Transport] = set()

    def __call__(self, config: TransportConfig) -> Transport:
        transport = self._offered.pop(config, None)
        if transport is None:
            return open_transport(config)
        self.taken.add(transport)
        return transport


def _graph_names(supergraph: Supergraph) -> tuple[str, str]:
    """The join__Graph enum's and the @join__graph directive's names (``@link(as:)`` may rename them)."""
    join = supergraph.links.get("join")
    assert join is not None  # a Supergraph is only made for a document that links join
    return join.type_name("Graph"), join.directive("graph")


def _without_urls(enum: EnumTypeDefinitionNode, directive: str) -> object:
    def directives(nodes: tuple[DirectiveNode, ...] | None) -> tuple[object, ...]:
        return tuple((d.name.value, tuple(a for a in d.arguments or () if not (d.name.value == directive
                                                                              and a.name.value == "url")))
                     for d in nodes or ())

    values = tuple((v.name.value, v.description, directives(v.directives)) for v in enum.values or ())
    return enum.description, directives(enum.directives), values
