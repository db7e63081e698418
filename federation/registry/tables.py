"""The registry's tables, for SQLAlchemy Core queries. Times are ISO-8601 UTC text (sortable, and the
same on SQLite and PostgreSQL); JSON columns are text written and read by us."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

graphs = sa.Table(
    "registry_graphs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.String(40), nullable=False),
)

variants = sa.Table(
    "registry_variants", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("graph_id", sa.Integer, sa.ForeignKey("registry_graphs.id"), nullable=False),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    # The row publishes lock; last_seq numbers the history, served_id points at what gateways get.
    sa.Column("last_seq", sa.Integer, nullable=False, server_default="0"),
    sa.Column("served_id", sa.Integer, nullable=True),
    sa.UniqueConstraint("graph_id", "name", name="uq_registry_variants_graph_name"),
)

subgraph_versions = sa.Table(
    "registry_subgraph_versions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("variant_id", sa.Integer, sa.ForeignKey("registry_variants.id"), nullable=False),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("routing_url", sa.Text, nullable=False),
    sa.Column("sdl", sa.Text, nullable=False),
    sa.Column("sdl_sha256", sa.String(64), nullable=False),
    sa.Column("published_by", sa.String(200), nullable=False),
    sa.Column("published_at", sa.String(40), nullable=False),
    sa.Column("commit", sa.String(200), nullable=True),
    sa.Column("metadata", sa.Text, nullable=False, server_default="{}"),
    sa.Index("ix_registry_subgraph_versions_variant_name", "variant_id", "name"),
)

# The variant's current subgraph set: one row per subgraph name, pointing at its served version.
current_subgraphs = sa.Table(
    "registry_current_subgraphs", metadata,
    sa.Column("variant_id", sa.Integer, sa.ForeignKey("registry_variants.id"), primary_key=True),
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("version_id", sa.Integer, sa.ForeignKey("registry_subgraph_versions.id"), nullable=False),
)

compositions = sa.Table(
    "registry_compositions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("variant_id", sa.Integer, sa.ForeignKey("registry_variants.id"), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("version", sa.String(64), nullable=False, unique=True),  # the opaque id callers see
    sa.Column("trigger", sa.String(16), nullable=False),
    sa.Column("subgraph", sa.String(64), nullable=True),
    sa.Column("refused", sa.Boolean, nullable=False),
    sa.Column("supergraph_sdl", sa.Text, nullable=True),
    sa.Column("errors", sa.Text, nullable=False, server_default="[]"),
    sa.Column("hints", sa.Text, nullable=False, server_default="[]"),
    sa.Column("subgraphs", sa.Text, nullable=False, server_default="[]"),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.UniqueConstraint("variant_id", "seq", name="uq_registry_compositions_variant_seq"),
)

tokens = sa.Table(
    "registry_tokens", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key_id", sa.String(32), nullable=False, unique=True),  # the token's public half
    sa.Column("secret_sha256", sa.String(64), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("graph", sa.String(64), nullable=True),
    sa.Column("subgraph", sa.String(64), nullable=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("revoked_at", sa.String(40), nullable=True),
)

# --- Added by migration 2 (usage, checks, approvals, variant settings) ---
# Their own MetaData: migration 1 creates ``metadata`` as it was released, migration 2 creates these.
# variant_id columns are indexed integers without a declared foreign key (the variants table lives in
# the other MetaData); rows are only ever written for variants that exist.
usage_metadata = sa.MetaData()

# Daily request counts: the gateways' per-minute counts added up into one row per UTC day, operation
# and client. Client name and version are '' for none (primary-key columns cannot be NULL).
usage_daily = sa.Table(
    "registry_usage_daily", usage_metadata,
    sa.Column("variant_id", sa.Integer, primary_key=True),
    sa.Column("operation", sa.String(128), primary_key=True),
    sa.Column("day", sa.String(10), primary_key=True),  # YYYY-MM-DD (UTC)
    sa.Column("client_name", sa.String(256), primary_key=True),
    sa.Column("client_version", sa.String(256), primary_key=True),
    sa.Column("count", sa.BigInteger, nullable=False),
    sa.Column("errors", sa.BigInteger, nullable=False),
    sa.Index("ix_registry_usage_daily_variant_day", "variant_id", "day"),
)

# Operations seen: name and type, and the last day they were counted (what pruning goes by).
usage_operations = sa.Table(
    "registry_usage_operations", usage_metadata,
    sa.Column("variant_id", sa.Integer, primary_key=True),
    sa.Column("operation", sa.String(128), primary_key=True),
    sa.Column("name", sa.String(256), nullable=True),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("last_day", sa.String(10), nullable=False),
    sa.Index("ix_registry_usage_operations_variant_last_day", "variant_id", "last_day"),
)

# The coordinate -> operations index a check asks ("who used Product.price?"): one row per
# (coordinate, operation), written once when the operation is first seen (its hash fixes them).
usage_coordinates = sa.Table(
    "registry_usage_coordinates", usage_metadata,
    sa.Column("variant_id", sa.Integer, primary_key=True),
    sa.Column("coordinate", sa.String(512), primary_key=True),
    sa.Column("operation", sa.String(128), primary_key=True),
)

checks = sa.Table(
    "registry_checks", usage_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("check_id", sa.String(64), nullable=False, unique=True),  # the opaque id callers see
    sa.Column("variant_id", sa.Integer, nullable=False),
    sa.Column("trigger", sa.String(16), nullable=False),  # check | publish
    sa.Column("subgraph", sa.String(64), nullable=False),
    sa.Column("sdl_sha256", sa.String(64), nullable=False),
    sa.Column("context", sa.String(200), nullable=True),
    sa.Column("verdict", sa.String(16), nullable=False),  # passed | failed | approved
    sa.Column("base_version", sa.String(64), nullable=True),  # the served version compared against
    sa.Column("breaking_sha256", sa.String(64), nullable=False),  # identity of the set of breaking changes
    sa.Column("composition_errors", sa.Text, nullable=False, server_default="[]"),
    sa.Column("changes", sa.Text, nullable=False, server_default="[]"),
    sa.Column("lints", sa.Text, nullable=False, server_default="[]"),
    sa.Column("usage", sa.Text, nullable=False, server_default="{}"),
    sa.Column("approval", sa.Text, nullable=True),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False),
    sa.Index("ix_registry_checks_variant_id", "variant_id", "id"),
)

approvals = sa.Table(
    "registry_approvals", usage_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("variant_id", sa.Integer, nullable=False),
    sa.Column("context", sa.String(200), nullable=False),
    sa.Column("subgraph", sa.String(64), nullable=False),
    sa.Column("sdl_sha256", sa.String(64), nullable=False),
    sa.Column("breaking_sha256", sa.String(64), nullable=True),
    sa.Column("check_id", sa.String(64), nullable=True),
    sa.Column("approved_by", sa.String(200), nullable=False),
    sa.Column("approved_at", sa.String(40), nullable=False),
    sa.Index("ix_registry_approvals_variant_context", "variant_id", "context"),
)

variant_settings = sa.Table(
    "registry_variant_settings", usage_metadata,
    sa.Column("variant_id", sa.Integer, primary_key=True),
    sa.Column("settings", sa.Text, nullable=False),  # JSON, read by settings.VariantSettings
    sa.Column("updated_at", sa.String(40), nullable=False),
    sa.Column("updated_by", sa.String(200), nullable=False),
)
