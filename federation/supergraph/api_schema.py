"""The client-facing API schema: the supergraph without its join/link machinery and @inaccessible parts.

Descriptions, deprecations and custom (composed) directives stay, so introspection shows clients what
the subgraph teams wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import (
    DirectiveDefinitionNode,
    DocumentNode,
    GraphQLSchema,
    Node,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    build_ast_schema,
)
from graphql.language import NamedTypeNode, parse

from federation.errors import SupergraphError
from federation.supergraph.links import Links


def _feature_prefixes(links: Links) -> tuple[set[str], set[str]]:
    """Names of linked-feature directives and types that must not reach clients."""
    prefixes = {link.prefix + "__" for link in links.by_name.values()}
    bare = {link.prefix for link in links.by_name.values()}
    for link in links.by_name.values():
        for original, local in link.imports.items():
            bare.add(local.lstrip("@"))
            if not original.startswith("@"):
                bare.add(local)
    return prefixes, bare


def feature_names(links: Links) -> Callable[[str], bool]:
    """Whether a type or directive name belongs to a linked feature (join__Graph, link__Import, ...)."""
    prefixes, bare = _feature_prefixes(links)
    return lambda name: name in bare or any(name.startswith(p) for p in prefixes)


def _strip(node: Any, drop_directive: Any, inaccessible: str | None, top: bool = True) -> Any:
    """Copy a definition node without feature directives and without @inaccessible children.

    Below the definition itself (``top``), a node with nothing to remove is shared, not copied:
    most fields and arguments carry no directive, and a big supergraph has hundreds of thousands."""
    def accessible(n: Any) -> bool:
        return not any(d.name.value == inaccessible for d in (getattr(n, "directives", None) or ()))

    changes: dict[str, Any] = {}
    directives = getattr(node, "directives", None)
    if directives is not None:
        kept = tuple(d for d in directives if not drop_directive(d.name.value))
        if top or len(kept) != len(directives):
            changes["directives"] = kept
    for attr in ("fields", "values", "arguments"):
        children = getattr(node, attr, None)
        if children is not None:
            # A child with no directive and no argument (most of them) is kept as it is, without a call.
            stripped = tuple(c if not c.directives and not getattr(c, "arguments", None)
                             else _strip(c, drop_directive, inaccessible, False)
                             for c in children if not c.directives or accessible(c))
            if top or len(stripped) != len(children) or any(
                    a is not b for a, b in zip(stripped, children, strict=True)):
                changes[attr] = stripped
    if not top and not changes:
        return node
    if isinstance(getattr(node, "types", None), tuple):
        changes["types"] = node.types
    # As ``node.__class__(**fields)`` does, without its per-attribute checks: the values are a node's.
    copy = node.__class__.__new__(node.__class__)
    for key in node.keys:
        object.__setattr__(copy, key, changes[key] if key in changes else getattr(node, key))
    return copy


# graphql-core 3.2 predates @defer; its definition as graphql-js 17 and Apollo Router declare it.
DEFER_DIRECTIVE = parse('directive @defer(label: String, if: Boolean! = true) on FRAGMENT_SPREAD | INLINE_FRAGMENT')


def build_api_schema(document: DocumentNode, links: Links) -> GraphQLSchema:
    feature_name = feature_names(links)
    inaccessible_link = links.get("inaccessible")
    inaccessible = inaccessible_link.directive("inaccessible") if inaccessible_link else None

    def drop_directive(name: str) -> bool:
        return feature_name(name) or name in ("link", "core")

    hidden_types: set[str] = set()
    for d in document.definitions:
        if isinstance(d, TypeDefinitionNode | TypeExtensionNode) and inaccessible and any(
            x.name.value == inaccessible for x in d.directives or ()
        ):
            hidden_types.add(d.name.value)

    kept: list[Node] = []
    for d in document.definitions:
        if isinstance(d, DirectiveDefinitionNode):
            if not drop_directive(d.name.value):
                kept.append(d)
            continue
        if isinstance(d, SchemaDefinitionNode | SchemaExtensionNode):
            kept.append(_strip(d, drop_directive, inaccessible))
            continue
        if isinstance(d, TypeDefinitionNode | TypeExtensionNode):
            name = d.name.value
            if feature_name(name) or name in hidden_types:
                continue
            stripped = _strip(d, drop_directive, inaccessible)
            if getattr(stripped, "types", None):
                stripped.types = tuple(t for t in stripped.types if t.name.value not in hidden_types)
            if getattr(stripped, "interfaces", None):
                stripped.interfaces = tuple(i for i in stripped.interfaces if i.name.value not in hidden_types)
            if getattr(stripped, "fields", None) is not None:
                stripped.fields = tuple(f for f in stripped.fields if _named(f.type) not in hidden_types)
            kept.append(stripped)
            continue
        kept.append(d)
    if not any(isinstance(d, DirectiveDefinitionNode) and d.name.value == "defer" for d in kept):
        kept.extend(DEFER_DIRECTIVE.definitions)  # the gateway serves @defer: documents using it validate
    try:
        return build_ast_schema(DocumentNode(definitions=tuple(kept)), assume_valid_sdl=True)
    except Exception as exc:
        raise SupergraphError(f"cannot build the API schema from the supergraph: {exc}") from exc


def _named(t: Any) -> str:
    while not isinstance(t, NamedTypeNode):
        t = t.type
    return str(t.name.value)
