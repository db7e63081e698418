"""Composition: subgraph schemas -> supergraph SDL (link v1.0, join v0.5), or errors teams can act on.

The passes, in order: ``loading`` (parse, resolve @link names) -> ``subgraph_rules`` (per-subgraph
checks, Federation 1 upgrade) -> ``merge`` (types by kind) -> ``merged_rules`` -> ``printer``.
"""

from .compose import compose
from .config import ConfigError, compose_config
from .result import CompositionIssue, CompositionResult, SubgraphSource

__all__ = [
    "CompositionIssue",
    "CompositionResult",
    "ConfigError",
    "SubgraphSource",
    "compose",
    "compose_config",
]
