"""search trigrams (issue 19): on PostgreSQL, the review page's search finds text through pg_trgm

The search looks for a piece of text anywhere in the message log (subject,
text, trade references): `ILIKE '%...%'`, which no B-tree index serves. On
200,000 contacts a term found nowhere read the whole table: 615-650 ms. With
trigram GIN indexes (the pg_trgm extension, shipped with PostgreSQL's contrib
and trusted since PostgreSQL 13) the same search takes under a millisecond and
a frequent term still stops at its 50 newest hits. They cost about 120 MB per
200,000 contacts and some time on each insert.

Where pg_trgm cannot be installed (not available, or no right to create it)
the indexes are left out with a warning: the search still works, by scanning.
SQLite needs nothing: its LIKE over the same 200,000 contacts takes ~110 ms.
The indexes (named *_trgm) are not in store/models' metadata: their operator
class lives in the extension's schema, which the database decides.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 14:45:00
"""

from __future__ import annotations

import logging

from alembic import op
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

log = logging.getLogger("mailflow.store.migrate")

# The search's expressions, exactly as review/search writes them (the planner matches them as written).
TRIGRAM_INDEXES = {
    "ix_contacts_subject_trgm": "subject",
    "ix_contacts_body_trgm": "body",
    "ix_contacts_refs_trgm": "CAST(trade_refs AS TEXT)",
}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = _trigram_schema(bind)
    if schema is None:
        log.warning(
            "pg_trgm cannot be installed in this database: the review page's search will scan the "
            "message log (an administrator's `CREATE EXTENSION pg_trgm` before the upgrade gives it "
            "its indexes)"
        )
        return
    for name, expression in TRIGRAM_INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON contacts USING gin (({expression}) {schema}.gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")


def _trigram_schema(bind: Connection) -> str | None:
    """The schema pg_trgm lives in, installing it in public if it is not there yet; None if it cannot be."""
    query = text("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'")
    found = bind.scalar(query)
    if found:
        return str(found)
    if not bind.scalar(text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")):
        return None
    try:
        with bind.begin_nested():  # a refusal must not abort the migration's transaction
            bind.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    except DBAPIError:
        return None
    return str(bind.scalar(query))
