"""What becomes of a draft after a send attempt. Pure: no socket, no session.

A 5xx is final: the draft fails with the server's words. A 4xx or a dropped
connection is worth another try, later and later (doubling from
send.retry_seconds, never more than an hour apart), until send.max_attempts
tries have been spent; then the draft fails and says how often it was tried.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mailflow.config.settings import SendSettings

MAX_RETRY_DELAY = timedelta(hours=1)


@dataclass(frozen=True)
class Outcome:
    """The result of one draft's turn in the send loop, as the queue records it.

    result: sent (the server said 250), found (a crash left it 'sending' and the
    Sent folder or the contact log shows it went), retry (back to approved, not
    before next_attempt_at), failed, or released (never tried: the daemon stopped).
    """

    draft_id: int
    result: str
    at: datetime
    detail: str = ""
    attempts: int = 0
    next_attempt_at: datetime | None = None
    sent_folder: str | None = None
    bounced: tuple[str, ...] = ()  # addresses the server said do not exist: marked like a bounce


def retry_delay(attempt: int, settings: SendSettings) -> timedelta:
    """The wait after failed attempt number `attempt` (1 = the first)."""
    seconds = settings.retry_seconds * 2 ** min(attempt - 1, 20)
    return min(timedelta(seconds=seconds), MAX_RETRY_DELAY)


def after_failure(
    draft_id: int,
    attempts_before: int,
    error: str,
    permanent: bool,
    now: datetime,
    settings: SendSettings,
    bounced: tuple[str, ...] = (),
) -> Outcome:
    attempt = attempts_before + 1
    if permanent:
        return Outcome(draft_id, "failed", now, error, attempt, bounced=bounced)
    if attempt >= settings.max_attempts:
        return Outcome(draft_id, "failed", now, f"gave up after {attempt} attempts: {error}", attempt)
    return Outcome(draft_id, "retry", now, error, attempt, now + retry_delay(attempt, settings))


def sent(
    draft_id: int,
    attempts_before: int,
    now: datetime,
    sent_folder: str | None,
    note: str = "",
    bounced: tuple[str, ...] = (),
) -> Outcome:
    return Outcome(draft_id, "sent", now, note, attempts_before + 1, sent_folder=sent_folder, bounced=bounced)
