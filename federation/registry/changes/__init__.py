"""Schema checks: what changed between two schemas, and how much it matters to clients.

``compare_supergraphs`` compares two supergraphs as clients see them (their API schemas) plus the
federation directives that affect clients; ``compare_schemas`` compares two plain GraphQL schemas.
Both return ``SchemaChange``s sorted by coordinate, then code. Every kind is listed, with its
severities and meaning, in ``kinds.KINDS`` (rendered into the README).

Modules: ``kinds`` (the registry), ``model`` (``SchemaChange``, coordinates), ``typerefs`` (type
compatibility), ``schema`` (types and roots), ``fields``, ``args`` (arguments and input fields),
``members`` (enum values, union members, interfaces), ``directives``, ``access`` (authorization,
demand control), ``federation`` (supergraphs: ``@inaccessible``, subgraphs, attribution).
"""

from .federation import PreparedSupergraph, compare_supergraphs, prepare_supergraph
from .kinds import KINDS, Kind, Severity, markdown_table
from .model import SchemaChange
from .schema import compare_schemas

__all__ = [
    "KINDS",
    "Kind",
    "PreparedSupergraph",
    "SchemaChange",
    "Severity",
    "compare_schemas",
    "compare_supergraphs",
    "markdown_table",
    "prepare_supergraph",
]
