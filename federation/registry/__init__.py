"""The schema registry: service teams publish subgraph schemas, the registry composes them with
``federation.composition``, keeps a linear history per variant and serves the supergraph to gateways.

Modules, each readable in one sitting:
``model`` (domain records, name rules) -> ``tables`` and ``migrations`` (the SQL schema, applied at
start) -> ``store`` (SQLAlchemy Core, async: SQLite or PostgreSQL, one lock per variant) ->
``tokens`` (hashed tokens, roles) -> ``service`` (publish, check, delete, rollback, queries) ->
``api`` (the GraphQL schema at ``/graphql``), ``poll`` (the gateways' endpoint), ``app`` (the ASGI
app: routing, body limit, health), ``server`` (uvicorn); ``web`` (the HTML pages at ``/``, hooked into
``app``). ``client`` and ``commands`` are the ``federation subgraph|graph ...`` commands, ``cli``
plugs them into ``federation``.
``changes`` classifies the differences between two supergraphs (what a schema check reports).
"""
