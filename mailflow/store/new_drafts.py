"""Drafts mailflow writes itself, each once: the idempotency key is the claim. SQL, in the caller's transaction.

INSERT ... ON CONFLICT (idempotency_key) DO NOTHING, then a `created` event for
each draft actually written: two processes that computed the same draft (two
schedulers, two hold evaluations) write it once, whichever is first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from mailflow.store.dialect import dialect_insert
from mailflow.store.models import Draft, DraftEvent


def insert_new_drafts(session: Session, rows: Sequence[dict[str, Any]], now: datetime) -> list[str]:
    """Insert the drafts whose keys are new; returns the keys written (the others existed)."""
    if not rows:
        return []
    table: Table = Draft.__table__  # type: ignore[assignment]
    statement = (
        dialect_insert(session.get_bind().dialect.name, table)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(table.c.id, table.c.idempotency_key, table.c.template)
    )
    stamped = [{**row, "created_at": now, "updated_at": now} for row in rows]
    written = list(session.execute(statement, stamped))
    if written:
        session.execute(
            insert(DraftEvent),
            [
                {"draft_id": id, "at": now, "actor": "mailflow", "action": "created", "detail": template}
                for id, _, template in written
            ],
        )
    return [key for _, key, _ in written]
