"""`mailflow reviewers`: an operator clears a name's failed logins and ends a removed reviewer's sessions."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailflow.review.accounts import FREE_FAILURES_PER_NAME, Accounts, TooManyFailures
from mailflow.review.sessions import ReviewSessions
from mailflow.store.engine import Store
from mailflow.store.models import utcnow
from tests.support.cli import run_mailflow
from tests.support.settings import write_settings

PASSWORD = "wang's own password"


@pytest.fixture
def settings_path(tmp_path: Path, db_url: str) -> Path:
    return write_settings(tmp_path, db_url, 1, "u", "p")


def test_unlock_clears_a_names_failed_logins(settings_path: Path, db_url: str) -> None:
    store = Store(db_url)
    accounts = Accounts(store)
    accounts.add("wang", PASSWORD)
    now = utcnow()
    for _ in range(FREE_FAILURES_PER_NAME):
        assert accounts.login("wang", "wrong", now=now) is None
    with pytest.raises(TooManyFailures):
        accounts.login("wang", PASSWORD, now=now)
    unlocked = run_mailflow(settings_path, "reviewers", "unlock", "wang")
    assert unlocked.returncode == 0, unlocked.stderr
    assert f"{FREE_FAILURES_PER_NAME} failed logins cleared" in unlocked.stdout
    assert accounts.login("wang", PASSWORD, now=now) is not None
    again = run_mailflow(settings_path, "reviewers", "unlock", "wang")
    assert again.returncode == 0 and "0 failed logins cleared" in again.stdout
    store.close()


def test_remove_ends_the_reviewers_sessions(settings_path: Path, db_url: str) -> None:
    store = Store(db_url)
    Accounts(store).add("wang", PASSWORD)
    sessions = ReviewSessions(store)
    token = sessions.start("wang")
    assert sessions.reviewer(token) is not None
    removed = run_mailflow(settings_path, "reviewers", "remove", "wang")
    assert removed.returncode == 0, removed.stderr
    assert sessions.reviewer(token) is None
    store.close()
