"""The manager's weekly digest ([schedule.digest]) over the hand-counted report book, on SQLite and
PostgreSQL: when it is due, what it says, that it is written once, and that it goes out through the outbox."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import time_machine

from mailflow.config import settings as config
from mailflow.config.settings import Settings
from mailflow.drafts.problems import DraftingProblems
from mailflow.drafts.store import Outbox
from mailflow.drafts.template_check import sample_context
from mailflow.drafts.templates import Templates
from mailflow.errors import ConfigError
from mailflow.ops.digest import WeeklyDigest, digest_week
from mailflow.ops.ticks import ScheduleTicks
from mailflow.outbound.sender import Sender
from mailflow.review.report_figures import Period
from mailflow.store.engine import Store
from tests.support.report_book import sample_book
from tests.support.settings import write_settings
from tests.support.smtp_sink import running_sink
from tests.support.template_contexts import context_names

MONDAY_NOON = datetime(2026, 11, 30, 12, tzinfo=UTC)  # 20:00 in Shanghai
DIGEST = """
[schedule.digest]
enabled = true
weekday = "monday"
at = "09:00"
timezone = "Asia/Shanghai"
to = ["manager@ningbo-homeware.example"]
site_url = "https://mailflow.ningbo-homeware.example/"
"""


def test_the_digest_is_due_from_the_set_weekday_and_time_in_the_managers_zone() -> None:
    shanghai = "Asia/Shanghai"
    week_48 = Period(date(2026, 11, 23), date(2026, 11, 29))
    # Monday 09:00 in Shanghai is 01:00 UTC.
    assert digest_week(datetime(2026, 11, 30, 0, 59, tzinfo=UTC), 0, time(9), shanghai) is None
    assert digest_week(datetime(2026, 11, 30, 1, 0, tzinfo=UTC), 0, time(9), shanghai) == week_48
    # Still the week before on Sunday night; a Wednesday digest is not due on Tuesday.
    assert digest_week(datetime(2026, 12, 6, 15, 59, tzinfo=UTC), 0, time(9), shanghai) == week_48
    assert digest_week(datetime(2026, 12, 1, 12, tzinfo=UTC), 2, time(9), shanghai) is None


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    store = Store(db_url)
    store.create_schema()
    sample_book(store)
    yield store
    store.close()


def _settings(tmp_path: Path, db_url: str, extra: str = DIGEST) -> Settings:
    return config.load(write_settings(tmp_path, db_url, 1, "u", "p", extra=extra, migrate=False))


def test_the_digest_is_off_by_default(tmp_path: Path, db_url: str, store: Store) -> None:
    settings = _settings(tmp_path, db_url, extra="")
    assert not settings.schedule.digest.enabled
    assert WeeklyDigest(settings, store).run(MONDAY_NOON) is False
    assert Outbox(store).drafts() == []


def test_the_digest_of_last_week_is_drafted_once_for_review(
    tmp_path: Path, db_url: str, store: Store
) -> None:
    settings = _settings(tmp_path, db_url)
    with time_machine.travel(MONDAY_NOON, tick=False):
        assert WeeklyDigest(settings, store).run(MONDAY_NOON) is True
        # Every later tick, and a second daemon, finds it written.
        assert WeeklyDigest(settings, store).run(MONDAY_NOON) is False
    (draft,) = Outbox(store).drafts()
    assert draft["kind"] == "digest" and draft["status"] == "pending_review"
    assert draft["to"] == ["manager@ningbo-homeware.example"] and draft["customer"] is None
    assert draft["subject"].endswith("the week 2026-W48 in figures")
    text = draft["body"]
    # The book by hand: Maria's complaint answered after 3 h, Li Hua's not yet; Li Hua owes CNY 30,000
    # since August; the quiet C customer was never contacted; nothing waits for review.
    assert "Here are our figures for the week 2026-W48 (2026-11-23 to 2026-11-29)." in text
    assert "- drafts waiting for review: 0\n" in text
    assert "- complaints without any answer: 1 (the oldest 67 h)" in text  # Fri 17:00 -> Mon 12:00
    assert (
        "Complaints that week: 2, answered 1 (1 within our target); first answer after 3.0 h at the median"
        in text
    )
    assert "- quality: 1\n- shipping: 1\n" in text
    assert "- CNY 30000.00 on 1 invoice(s)" in text and "USD" not in text.split("Overdue receivables:")[1]
    assert "within their cadence: 1\n- buyer@quiet-trading.example (class C): never contacted" in text
    assert "Unanswered complaints: https://mailflow.ningbo-homeware.example/cases?status=unanswered" in text
    assert "https://mailflow.ningbo-homeware.example/overview?from=2026-11-23&to=2026-11-29" in text


def test_the_digest_gives_its_template_exactly_what_templates_check_tries(
    tmp_path: Path, db_url: str, store: Store
) -> None:
    week_48 = Period(date(2026, 11, 23), date(2026, 11, 29))
    context = WeeklyDigest(_settings(tmp_path, db_url), store).context(week_48, MONDAY_NOON)
    assert context_names(context) == context_names(sample_context(kind="digest"))


def test_a_new_week_brings_a_new_digest(tmp_path: Path, db_url: str, store: Store) -> None:
    settings = _settings(tmp_path, db_url)
    digest = WeeklyDigest(settings, store)
    assert digest.run(MONDAY_NOON) is True
    assert digest.run(datetime(2026, 12, 7, 0, 30, tzinfo=UTC)) is False  # 08:30 in Shanghai: not yet
    assert digest.run(datetime(2026, 12, 7, 1, 30, tzinfo=UTC)) is True
    keys = sorted(draft["idempotency_key"] for draft in Outbox(store).drafts())
    assert keys == ["digest:2026-W48", "digest:2026-W49"]


def test_a_broken_digest_template_is_a_drafting_problem_and_nothing_is_drafted(
    tmp_path: Path, db_url: str, store: Store
) -> None:
    templates = tmp_path / "own-templates"
    templates.mkdir()
    (templates / "digest.en.subject.j2").write_text("Week {{ week }}", encoding="utf-8")
    (templates / "digest.en.txt.j2").write_text("{{ no_such_figure }}", encoding="utf-8")
    problems = DraftingProblems(logged=False)
    digest = WeeklyDigest(_settings(tmp_path, db_url), store, Templates(templates))
    assert digest.run(MONDAY_NOON, problems) is False
    (problem,) = problems.current()
    assert problem.startswith("digest: template digest.en:") and "no_such_figure" in problem
    assert Outbox(store).drafts() == []


def test_an_approved_digest_goes_out_through_the_outbox(tmp_path: Path, db_url: str, store: Store) -> None:
    with running_sink() as (sink, port):
        smtp = f'\n[mailbox.smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nsave_sent = false\n'
        settings = _settings(tmp_path, db_url, smtp + DIGEST)
        assert WeeklyDigest(settings, store).run(MONDAY_NOON)
        (draft,) = Outbox(store).drafts()
        Outbox(store).decide(draft["id"], "approved", "manager")
        Sender(settings, store).run_until_empty()
        (sent,) = sink.received
        assert sink.envelopes == [["manager@ningbo-homeware.example"]]
    message = message_from_bytes(sent, policy=policy.default)
    assert message["To"] == "manager@ningbo-homeware.example"
    assert "the week 2026-W48 in figures" in message["Subject"]


@pytest.mark.parametrize(
    ("lines", "error"),
    [
        ('enabled = true\nweekday = "monday"', "schedule.digest.to is required when the digest is enabled"),
        ('weekday = "mon"', "schedule.digest.weekday must be one of monday"),
        ('at = "9am"', 'schedule.digest.at must be a time like "09:00"'),
        ('timezone = "Mars/Olympus"', "unknown time zone 'Mars/Olympus'"),
        ('site_url = "mailflow.example.com"', "schedule.digest.site_url must be like"),
        ('to = ["manager"]', "schedule.digest.to[0]: 'manager' is not an email address"),
        ("colour = 3", "schedule.digest.colour: unknown key"),
    ],
)
def test_digest_settings_mistakes_are_named(tmp_path: Path, lines: str, error: str) -> None:
    path = write_settings(
        tmp_path, "sqlite://", 1, "u", "p", extra=f"[schedule.digest]\n{lines}\n", migrate=False
    )
    with pytest.raises(ConfigError, match=re.escape(error)):
        config.load(path)


def test_the_schedule_tick_drafts_the_digest(tmp_path: Path, db_url: str, store: Store) -> None:
    """The daemon's clock runs it after the schedule tick, as the holder of the tick's lease."""
    ticks = ScheduleTicks(_settings(tmp_path, db_url), store)
    with time_machine.travel(MONDAY_NOON, tick=False):
        ticks.tick()
    assert [draft["kind"] for draft in Outbox(store).drafts()].count("digest") == 1
