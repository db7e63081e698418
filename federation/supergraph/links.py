"""Which core features a supergraph links, under which names (the link spec, v1.0).

A supergraph says ``@link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)``; the directives of
that feature are then named ``join__type`` and so on, or ``X__type`` with ``as: "X"``. Imported names
(``import: ["@tag"]`` or ``{name: "@tag", as: "@mytag"}``) are used bare. Older supergraphs use
``@core(feature: ...)`` the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from graphql import DocumentNode, SchemaDefinitionNode, SchemaExtensionNode, ValueNode, value_from_ast_untyped

from federation.errors import UNSUPPORTED_FEATURE, SupergraphError

_URL = re.compile(r"^(?P<base>.*?)/(?P<name>[A-Za-z_][\w-]*)/v(?P<major>\d+)\.(?P<minor>\d+)/?$")

# Features we implement. A SECURITY/EXECUTION link to anything else is refused: serving a supergraph
# whose security or execution semantics we would silently ignore is worse than not starting.
KNOWN_FEATURES = {
    "link",
    "core",
    "join",
    "tag",
    "inaccessible",
    "authenticated",
    "requiresScopes",
    "policy",
    "cost",
    "listSize",
    "context",
}


@dataclass(frozen=True)
class Link:
    url: str
    name: str  # the feature's own name, e.g. "join"
    version: tuple[int, int]
    prefix: str  # the name its directives and types are prefixed with ("join" or the `as:` name)
    purpose: str | None
    imports: dict[str, str] = field(default_factory=dict)  # "@tag" -> "@tag" or its renamed local name

    def directive(self, name: str) -> str:
        """The local name of this feature's directive ``name`` (no @)."""
        imported = self.imports.get("@" + name)
        if imported is not None:
            return imported.lstrip("@")
        if name == self.name:
            return self.prefix
        return f"{self.prefix}__{name}"

    def type_name(self, name: str) -> str:
        imported = self.imports.get(name)
        return imported if imported is not None else f"{self.prefix}__{name}"


@dataclass(frozen=True)
class Links:
    by_name: dict[str, Link]

    def get(self, name: str) -> Link | None:
        return self.by_name.get(name)


def _parse_url(url: str) -> tuple[str, tuple[int, int]] | None:
    m = _URL.match(url)
    if not m:
        return None
    return m.group("name"), (int(m.group("major")), int(m.group("minor")))


def _imports(value: object) -> dict[str, str]:
    out: dict[str, str] = {}
    if not isinstance(value, list):
        return out
    for item in value:
        if isinstance(item, str):
            out[item] = item
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            local = item.get("as") or item["name"]
            out[item["name"]] = str(local)
    return out


def linked_features(document: DocumentNode) -> dict[str, Link]:
    """The features the schema's @link (or legacy @core) applications name, by feature name.

    Applications whose URL is not a feature URL are skipped; ``read_links`` is the checked form.
    """
    by_name: dict[str, Link] = {}
    for definition in document.definitions:
        if not isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            continue
        for directive in definition.directives or ():
            if directive.name.value not in ("link", "core"):
                continue
            args: dict[str, ValueNode] = {a.name.value: a.value for a in directive.arguments or ()}
            url_node = args.get("url") or args.get("feature")
            url = value_from_ast_untyped(url_node) if url_node is not None else None
            parsed = _parse_url(url) if isinstance(url, str) else None
            if not isinstance(url, str) or parsed is None:
                continue
            name, version = parsed
            prefix_node = args.get("as")
            prefix = str(value_from_ast_untyped(prefix_node)) if prefix_node is not None else name
            purpose_node = args.get("for")
            purpose = str(value_from_ast_untyped(purpose_node)) if purpose_node is not None else None
            imports = _imports(value_from_ast_untyped(args["import"])) if "import" in args else {}
            by_name[name] = Link(url, name, version, prefix, purpose, imports)
    return by_name


def read_links(document: DocumentNode) -> Links:
    """The links of a supergraph, checked: a join link, a join version we serve, no unknown feature
    that the supergraph needs for SECURITY or EXECUTION."""
    for definition in document.definitions:
        if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            for directive in definition.directives or ():
                if directive.name.value not in ("link", "core"):
                    continue
                url_arg = next((a.value for a in directive.arguments or () if a.name.value in ("url", "feature")),
                               None)
                url = value_from_ast_untyped(url_arg) if url_arg is not None else None
                if isinstance(url, str) and _parse_url(url) is None:
                    raise SupergraphError(f"@link url {url!r} is not a feature URL (…/name/vX.Y)")
    by_name = linked_features(document)
    for link in by_name.values():
        if link.name not in KNOWN_FEATURES and link.purpose in ("SECURITY", "EXECUTION"):
            raise SupergraphError(
                f"the supergraph links {link.url} for {link.purpose}, a feature this gateway does not implement; "
                "serving it would ignore what it requires",
                UNSUPPORTED_FEATURE,
            )
    if "join" not in by_name:
        raise SupergraphError("not a supergraph: no @link to the join spec (https://specs.apollo.dev/join)")
    join_version = by_name["join"].version
    if join_version < (0, 1) or join_version > (0, 5):
        raise SupergraphError(f"join spec v{join_version[0]}.{join_version[1]} is not supported (v0.1 to v0.5)")
    return Links(by_name)
