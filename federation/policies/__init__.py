"""Request policies: what each policy decides, one module each, independent of the planner.

``jwt``/``jwks`` (authentication), ``persisted`` (persisted queries), ``limits`` (parser and
operation limits), ``authorization`` (``@authenticated``/``@requiresScopes``/``@policy``),
``functions`` (the configured ``@policy`` functions), ``cost`` and ``actual_cost`` (demand control,
``@cost``/``@listSize``), ``response_paths`` (authorization errors placed over lists). ``directives``
reads the directives from the supergraph, ``config`` the ``policies`` section of the config file.
When each runs is the request road's business: ``federation.pipeline.road``.
"""
