"""Alembic's environment for mailflow: the models' metadata, the connection mailflow hands over."""

from __future__ import annotations

from alembic import context

from mailflow.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - mailflow always passes its own connection
    raise RuntimeError("run migrations through `mailflow db upgrade`, which passes the connection")

# SQLite cannot ALTER most things: batch mode copies the table instead.
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
