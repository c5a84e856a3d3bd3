"""Alembic environment: runs against the connection learnerai hands it."""

from __future__ import annotations

from alembic import context

from features.migrate import compare_type
from features.schema import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - learnerai always passes one
    raise RuntimeError("Run migrations through `learnerai db ...` (features.migrate).")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=compare_type,
    compare_server_default=False,
    transaction_per_migration=True,
)
with context.begin_transaction():
    context.run_migrations()
