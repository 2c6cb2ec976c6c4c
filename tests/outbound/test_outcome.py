"""What a send attempt's result does to a draft: pure decisions, no server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mailflow.config.settings import SendSettings
from mailflow.outbound.outcome import after_failure, retry_delay, sent

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
SETTINGS = SendSettings(
    batch_size=50,
    interval_seconds=2,
    max_attempts=8,
    retry_seconds=60,
    claim_timeout_seconds=300,
    timeout_seconds=30,
)


def test_retries_wait_longer_each_time_but_never_more_than_an_hour() -> None:
    delays = [retry_delay(attempt, SETTINGS) for attempt in range(1, 10)]
    assert delays[:4] == [timedelta(minutes=minutes) for minutes in (1, 2, 4, 8)]
    assert delays[-1] == timedelta(hours=1) and delays == sorted(delays)


def test_a_transient_failure_comes_back_later_with_the_servers_words() -> None:
    outcome = after_failure(7, 0, "451 4.7.1 Greylisted", permanent=False, now=NOW, settings=SETTINGS)
    assert (outcome.result, outcome.attempts, outcome.detail) == ("retry", 1, "451 4.7.1 Greylisted")
    assert outcome.next_attempt_at == NOW + timedelta(minutes=1)


def test_a_permanent_failure_is_final_at_once() -> None:
    outcome = after_failure(7, 0, "550 5.1.1 No such user", permanent=True, now=NOW, settings=SETTINGS)
    assert (outcome.result, outcome.attempts, outcome.next_attempt_at) == ("failed", 1, None)


def test_the_last_allowed_attempt_fails_and_says_how_often_it_was_tried() -> None:
    outcome = after_failure(7, 7, "421 4.3.2 Busy", permanent=False, now=NOW, settings=SETTINGS)
    assert outcome.result == "failed" and outcome.detail == "gave up after 8 attempts: 421 4.3.2 Busy"


def test_a_sent_draft_counts_its_attempt_and_where_the_copy_went() -> None:
    outcome = sent(7, 2, NOW, "Gesendet")
    assert (outcome.result, outcome.attempts, outcome.sent_folder) == ("sent", 3, "Gesendet")
