"""What SQLite and PostgreSQL say differently: the INSERT that can end in ON CONFLICT."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite


def dialect_insert(dialect: str, table: Any) -> Any:
    """INSERT with `.on_conflict_do_nothing()` / `.on_conflict_do_update()` for this database."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
