"""Which core features a supergraph links, under which names (the link spec, v1.0).

A supergraph says ``@link(url: "https://specs.apollo.dev/join/v0.3", for: EXECUTION)``; the directives of
that feature are then named ``join__type`` and so on, or ``X__type`` with ``as: "X"``. Imported names
(``import: ["@tag"]`` or ``{name: "@tag", as: "@mytag"}``) are used bare. Older supergraphs use
``@core(feature: ...)`` the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from graphql import DirectiveNode, DocumentNode, SchemaDefinitionNode, SchemaExtensionNode, value_from_ast_untyped

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


def directive_args(directive: DirectiveNode) -> dict[str, object]:
    """The arguments of one directive application as plain values (SDL has no variables)."""
    return {a.name.value: value_from_ast_untyped(a.value) for a in directive.arguments or ()}


def _link_applications(document: DocumentNode) -> Iterator[dict[str, object]]:
    """The arguments of each @link (or legacy @core) on the schema."""
    for definition in document.definitions:
        if isinstance(definition, SchemaDefinitionNode | SchemaExtensionNode):
            for directive in definition.directives or ():
                if directive.name.value in ("link", "core"):
                    yield directive_args(directive)


def _url(args: dict[str, object]) -> object:
    return args["url"] if "url" in args else args.get("feature")  # @core names it feature:


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
    for args in _link_applications(document):
        url = _url(args)
        parsed = _parse_url(url) if isinstance(url, str) else None
        if not isinstance(url, str) or parsed is None:
            continue
        name, version = parsed
        prefix = str(args["as"]) if "as" in args else name
        purpose = str(args["for"]) if "for" in args else None
        by_name[name] = Link(url, name, version, prefix, purpose, _imports(args.get("import")))
    return by_name


def read_links(document: DocumentNode) -> Links:
    """The links of a supergraph, checked: a join link, a join version we serve, no unknown feature
    that the supergraph needs for SECURITY or EXECUTION."""
    for args in _link_applications(document):
        url = _url(args)
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
