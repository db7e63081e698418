"""A GraphQL federation gateway.

The request's road, one package per stage:
supergraph (SDL -> model) -> api schema -> operation (normalised) -> planner (query plan)
-> execution (batched fetches, merged response); policies (auth, cost, limits) are stages on it;
http serves it; composition makes supergraphs from subgraph schemas.
"""

__version__ = "0.1.0"

# Before any submodule is imported: the mypyc-compiled hot modules, when built and current.
from federation.compiled import install as _use_compiled_modules

_use_compiled_modules()
