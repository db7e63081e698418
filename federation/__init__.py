"""A GraphQL federation gateway.

The request's road, one package per stage:
supergraph (SDL -> model) -> api schema -> operation (normalised) -> planner (query plan)
-> execution (batched fetches, merged response); policies (auth, cost, limits) are stages on it;
http serves it; composition makes supergraphs from subgraph schemas.
"""

__version__ = "0.1.0"
