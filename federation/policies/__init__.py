"""Request policies: the stages a request passes before it is planned and executed.

One module per stage, each a function over graphql-core ASTs, independent of the planner:
``jwt``/``jwks`` (authentication), ``persisted`` (persisted queries), ``limits`` (parser and
operation limits), ``authorization`` (``@authenticated``/``@requiresScopes``/``@policy``), ``cost``
and ``actual_cost`` (demand control, ``@cost``/``@listSize``). ``directives`` reads the directives
from the supergraph, ``config`` the ``policies`` section of the config file, and ``pipeline`` puts
the stages together in the order the gateway calls them; ``operation`` holds what they share.
"""
