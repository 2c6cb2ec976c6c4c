"""Reviewer accounts: argon2id password hashes in the database, and a limit on failed logins.

Part of the store. The limit counts refused logins per user name and per remote
address over a window, in the database, so every process serving the page
shares it and a restart does not reset it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, or_, select

from mailflow.errors import MailflowError
from mailflow.store.engine import Store
from mailflow.store.models import LoginFailure, Reviewer, utcnow

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the user does not exist: the same time either way, no probing for names."""
    return _hasher.hash("not a password anyone has")


class AccountError(MailflowError):
    pass


class TooManyFailures(AccountError):
    """Too many refused logins for this name or from this address; wait and try again."""


@dataclass(frozen=True)
class ReviewerAccount:
    username: str
    language: str


class Accounts:
    def __init__(self, store: Store) -> None:
        self.sessions = store.sessions

    def add(self, username: str, password: str, language: str = "en") -> None:
        username = username.strip()
        if not username or len(username) > 100:
            raise AccountError("a reviewer name is 1 to 100 characters")
        if len(password) < 10:
            raise AccountError("a password has at least 10 characters")
        if language not in ("en", "zh"):
            raise AccountError("language is en or zh")
        with self.sessions.begin() as session:
            row = session.scalar(select(Reviewer).where(Reviewer.username == username))
            if row is not None and row.removed_at is None:
                raise AccountError(f"reviewer {username} exists already")
            if row is None:
                row = Reviewer(username=username)
                session.add(row)
            row.password_hash, row.language, row.removed_at = _hasher.hash(password), language, None

    def remove(self, username: str) -> bool:
        with self.sessions.begin() as session:
            row = session.scalar(select(Reviewer).where(Reviewer.username == username))
            if row is None or row.removed_at is not None:
                return False
            row.removed_at = utcnow()
            return True

    def names(self) -> list[str]:
        with self.sessions() as session:
            query = select(Reviewer.username).where(Reviewer.removed_at.is_(None)).order_by(Reviewer.username)
            return list(session.scalars(query))

    def account(self, username: str) -> ReviewerAccount | None:
        with self.sessions() as session:
            row = session.scalar(
                select(Reviewer).where(Reviewer.username == username, Reviewer.removed_at.is_(None))
            )
            return ReviewerAccount(row.username, row.language) if row else None

    def login(
        self, username: str, password: str, remote: str, now: datetime | None = None
    ) -> ReviewerAccount | None:
        """The account when the password is right; None when not. TooManyFailures before even checking."""
        now = now or utcnow()
        since = now - FAILURE_WINDOW
        with self.sessions.begin() as session:
            session.execute(delete(LoginFailure).where(LoginFailure.at < since))
            failures = session.scalar(
                select(func.count(LoginFailure.id)).where(
                    LoginFailure.at >= since,
                    or_(LoginFailure.username == username, LoginFailure.remote == remote),
                )
            )
            if (failures or 0) >= MAX_FAILURES:
                raise TooManyFailures("too many failed logins; try again in 15 minutes")
            row = session.scalar(
                select(Reviewer).where(Reviewer.username == username, Reviewer.removed_at.is_(None))
            )
            try:
                _hasher.verify(row.password_hash if row else _dummy_hash(), password)
                ok = row is not None
            except (VerificationError, InvalidHashError):
                ok = False
            if not ok or row is None:
                session.add(LoginFailure(username=username[:100], remote=remote[:100], at=now))
                return None
            return ReviewerAccount(row.username, row.language)
