"""The review page's logins, kept in the database: logging out or removing a reviewer ends them.

Part of the store. The browser's (signed) cookie carries a random token; the database keeps
only its SHA-256, so a copy of the table opens no session. Every request looks its token up,
so a cookie kept from before a logout, a removal or the end of its twelve hours opens nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from mailflow.review.accounts import ReviewerAccount
from mailflow.store.engine import Store
from mailflow.store.models import Reviewer, ReviewSession, utcnow

LIFETIME = timedelta(hours=12)  # a working day; then the reviewer logs in again


def _hashed(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ReviewSessions:
    def __init__(self, store: Store) -> None:
        self.sessions = store.sessions

    def start(self, username: str, now: datetime | None = None) -> str:
        """A new session for a reviewer who just logged in; returns the token for their cookie."""
        now = now or utcnow()
        token = secrets.token_urlsafe(32)
        with self.sessions.begin() as session:
            session.execute(delete(ReviewSession).where(ReviewSession.expires_at <= now))
            reviewer_id = session.scalar(
                select(Reviewer.id).where(Reviewer.username == username, Reviewer.removed_at.is_(None))
            )
            if reviewer_id is None:
                raise LookupError(f"no reviewer {username}")
            session.add(
                ReviewSession(
                    token_hash=_hashed(token),
                    reviewer_id=reviewer_id,
                    created_at=now,
                    expires_at=now + LIFETIME,
                )
            )
        return token

    def reviewer(self, token: str, now: datetime | None = None) -> ReviewerAccount | None:
        """Whose session the token opens; None when it was ended, has expired or never was."""
        query = (
            select(Reviewer.username, Reviewer.language)
            .join(ReviewSession, ReviewSession.reviewer_id == Reviewer.id)
            .where(
                ReviewSession.token_hash == _hashed(token),
                ReviewSession.expires_at > (now or utcnow()),
                Reviewer.removed_at.is_(None),
            )
        )
        with self.sessions() as session:
            row = session.execute(query).one_or_none()
        return ReviewerAccount(row.username, row.language) if row else None

    def end(self, token: str) -> None:
        with self.sessions.begin() as session:
            session.execute(delete(ReviewSession).where(ReviewSession.token_hash == _hashed(token)))
