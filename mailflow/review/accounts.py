"""Reviewer accounts: argon2id password hashes in the database, and the login throttle.

Part of the store. The throttle slows guessing without locking anyone out: after a few
refused logins for a name, each further attempt for it waits twice as long as the last, up to
a ceiling, and the right password after the wait is let in (`mailflow reviewers unlock`
clears the wait at once). Refusals are also counted per address, but only for clients that
reach the page directly: behind a reverse proxy every reviewer shares its address, and one
person's typing would slow them all. The counts are in the database, so every process serving
the page shares them and a restart does not reset them.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from mailflow.errors import MailflowError
from mailflow.store.engine import Store
from mailflow.store.models import LoginFailure, Reviewer, ReviewSession, utcnow

FREE_FAILURES_PER_NAME = 5  # typos; the next attempt for the name waits FIRST_WAIT
# An office behind one NAT reaching the page directly: several people mistyping at once.
FREE_FAILURES_PER_ADDRESS = 20
FIRST_WAIT = timedelta(seconds=2)
LONGEST_WAIT = timedelta(minutes=15)
REMEMBERED = timedelta(hours=24)  # older failures are forgotten; a login forgets its name's at once
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the user does not exist: the same time either way, no probing for names."""
    return _hasher.hash("not a password anyone has")


class AccountError(MailflowError):
    pass


class TooManyFailures(AccountError):
    """Too many refused logins for this name (or from this address): try again after `wait`."""

    def __init__(self, wait: timedelta) -> None:
        self.seconds = max(1, math.ceil(wait.total_seconds()))
        super().__init__(f"too many failed logins; try again in {self.seconds} s")


@dataclass(frozen=True)
class ReviewerAccount:
    username: str
    language: str


def wait_after(failures: int, free: int) -> timedelta:
    """How long after the last of `failures` the next attempt waits: none for `free`, then doubling."""
    if failures < free:
        return timedelta(0)
    factor: int = 2 ** min(failures - free, 30)  # capped: no huge numbers for a stubborn guesser
    return min(FIRST_WAIT * factor, LONGEST_WAIT)


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
        """The account can no longer log in, and every page it has open is logged out."""
        with self.sessions.begin() as session:
            row = session.scalar(select(Reviewer).where(Reviewer.username == username))
            if row is None or row.removed_at is not None:
                return False
            row.removed_at = utcnow()
            session.execute(delete(ReviewSession).where(ReviewSession.reviewer_id == row.id))
            return True

    def unlock(self, username: str) -> int:
        """Forgets the name's refused logins, so its next attempt need not wait; returns how many."""
        with self.sessions.begin() as session:
            result = session.execute(delete(LoginFailure).where(LoginFailure.username == username[:100]))
            return int(getattr(result, "rowcount", 0) or 0)

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
        self, username: str, password: str, address: str = "", now: datetime | None = None
    ) -> ReviewerAccount | None:
        """The account when the password is right; None when not; TooManyFailures before even checking.

        `address` is the client's for a direct client, "" for a request through a trusted proxy.
        """
        now, name, address = now or utcnow(), username[:100], address[:100]
        with self.sessions.begin() as session:
            session.execute(delete(LoginFailure).where(LoginFailure.at < now - REMEMBERED))
            wait = _wait(session, LoginFailure.username == name, FREE_FAILURES_PER_NAME, now)
            if address:
                wait = max(
                    wait, _wait(session, LoginFailure.remote == address, FREE_FAILURES_PER_ADDRESS, now)
                )
            if wait > timedelta(0):
                raise TooManyFailures(wait)
            # Counted before the password is checked, so attempts sent all at once see each other.
            session.add(LoginFailure(username=name, remote=address, at=now))
            row = session.scalar(
                select(Reviewer).where(Reviewer.username == name, Reviewer.removed_at.is_(None))
            )
            account = ReviewerAccount(row.username, row.language) if row else None
            password_hash = row.password_hash if row else _dummy_hash()
        try:  # argon2 takes a while: outside the transaction
            _hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if account is not None:
            self.unlock(name)  # the person knows the password: earlier mistakes no longer count
        return account


def _wait(session: Session, which: ColumnElement[bool], free: int, now: datetime) -> timedelta:
    """What is left of the wait the failures matching `which` impose."""
    failures, last = session.execute(
        select(func.count(LoginFailure.id), func.max(LoginFailure.at)).where(which)
    ).one()
    if last is None:
        return timedelta(0)
    return max(timedelta(0), last + wait_after(failures, free) - now)
