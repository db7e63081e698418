"""The schema registry: service teams publish subgraph schemas, the registry composes them with
``federation.composition``, keeps a linear history per variant and serves the supergraph to gateways.

Modules, each readable in one sitting:
``model`` (domain records, name rules) -> ``tables`` and ``migrations`` (the SQL schema, applied at
start) -> ``store`` (SQLAlchemy Core, async: SQLite or PostgreSQL, one lock per variant) ->
``tokens`` (hashed tokens, roles) -> ``usage_store`` (gateways' usage reports: daily rows, the
coordinate index, retention) -> ``settings`` (per-variant check settings), ``lints``, ``judge``
(breaking changes against usage), ``approvals``, ``checks`` (a check's whole flow, stored) ->
``service`` (publish, check, approve, delete, rollback, usage, queries) ->
``api`` (the GraphQL schema at ``/graphql``), ``poll`` (the gateways' endpoint), ``app`` (the ASGI
app: routing, body limit, ``/v1/usage``, usage pruning, health), ``server`` (uvicorn); ``web`` (the
HTML pages at ``/``, hooked into ``app``). ``client`` and ``commands`` are the
``federation subgraph|graph ...`` commands, ``cli`` plugs them into ``federation``.
``changes`` classifies the differences between two supergraphs (what a schema check reports).
"""
