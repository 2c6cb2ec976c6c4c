"""Cancelling drafts that still wait, each with the reason in its history. SQL, in the caller's transaction.

A draft waits while a person may still approve it or the send loop has not
taken it yet (pending_review, approved). Whatever makes it pointless (the buyer
answered, paid, unsubscribed; a reviewer withdrew the case) cancels it the same
way: one conditional UPDATE, then an event per draft, so a draft being sent
meanwhile is never touched and every cancellation says why.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import ColumnElement, update
from sqlalchemy.orm import Session

from mailflow.store.models import Draft, DraftEvent

audit = logging.getLogger("mailflow.audit")

WAITING = ("pending_review", "approved")


def cancel_waiting(
    session: Session, which: ColumnElement[bool], why: str, now: datetime, actor: str = "mailflow"
) -> int:
    """Cancel the waiting drafts `which` selects; returns how many."""
    cancelled = list(
        session.scalars(
            update(Draft)
            .where(which, Draft.status.in_(WAITING))
            .values(status="cancelled", updated_at=now)
            .returning(Draft.id)
        )
    )
    for draft_id in cancelled:
        session.add(DraftEvent(draft_id=draft_id, at=now, actor=actor, action="cancelled", detail=why))
        audit.info("draft %s cancelled: %s", draft_id, why)
    return len(cancelled)
