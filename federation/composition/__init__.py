"""Composition: subgraph schemas -> supergraph SDL (link v1.0, join v0.5), or errors teams can act on.

The passes, in order, each in its own module:
``loading`` (parse, resolve ``@link`` names, ``sdl_validation``) -> ``subgraph_rules`` (per-subgraph
checks, the Federation 1 upgrade) -> ``merge`` (``merge_composite``, ``merge_leaf``, ``merge_input``) ->
``merged_rules`` -> ``satisfiability`` -> ``printer``. ``compare`` tells whether two supergraphs are
equivalent; ``config`` reads Rover's supergraph.yaml; ``cli`` is ``federation compose``.
"""

from federation.errors import RoverConfigError

from .compose import compose
from .config import compose_config
from .result import CompositionIssue, CompositionResult, SubgraphSource

__all__ = ["CompositionIssue", "CompositionResult", "RoverConfigError", "SubgraphSource", "compose", "compose_config"]
