"""`mailflow report`'s figures from a small, hand-counted book (tests/support/report_book), on SQLite
and PostgreSQL; a bounce comes in through store/bounces, a resolved case through the case desk."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from mailflow.config.settings import parse_settings
from mailflow.review.case_moves import CaseDesk
from mailflow.review.report_figures import Period
from mailflow.review.reports import ReportQueries
from mailflow.store.bounces import mark_bounced
from mailflow.store.engine import Store
from tests.support.report_book import LIHUA, MARIA, QUIET, Book, sample_book

CADENCE = {"A": "weekly", "B": "fortnightly", "C": "monthly"}
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)  # a Monday


def _at(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.fixture
def book(db_url: str) -> Iterator[Book]:
    store = Store(db_url)
    store.create_schema()
    yield sample_book(store)
    store.close()


def test_ageing_counts_open_balances_at_the_day_asked(book: Book) -> None:
    queries = ReportQueries(book.store)
    assert queries.ageing(date(2026, 11, 30)) == [
        {"currency": "CNY", "bucket": "90+", "amount": "30000.00", "invoices": 1},
        {"currency": "USD", "bucket": "not_due", "amount": "7000.00", "invoices": 2},
    ]
    # The next day the partly paid invoice is one day late: it crosses into 1-30.
    assert queries.ageing(date(2026, 12, 1))[1:] == [
        {"currency": "USD", "bucket": "not_due", "amount": "5000.00", "invoices": 1},
        {"currency": "USD", "bucket": "1-30", "amount": "2000.00", "invoices": 1},
    ]


def test_ageing_without_a_day_counts_each_invoice_on_its_customers_date(book: Book) -> None:
    """The book's customers give no time zone: schedule.default_timezone's date is theirs. At noon UTC on
    30 November it is already 1 December in Auckland, and the partly paid invoice is a day late."""
    in_auckland = ReportQueries(book.store, "Pacific/Auckland").ageing(now=NOW)
    assert in_auckland == ReportQueries(book.store).ageing(date(2026, 12, 1))
    assert ReportQueries(book.store, "Europe/Madrid").ageing(now=NOW) == ReportQueries(book.store).ageing(
        date(2026, 11, 30)
    )


def test_response_times_measure_from_the_buyers_message_to_our_first_answer(book: Book) -> None:
    rows = ReportQueries(book.store).response_times(Period(date(2026, 11, 23), date(2026, 11, 30)))
    assert rows == [
        {"week": "2026-W48", "complaints": 2, "answered": 1, "median_hours": 3.0, "p90_hours": 3.0,
         "within_target": 1},
        {"week": "2026-W49", "complaints": 0, "answered": 0, "median_hours": None, "p90_hours": None,
         "within_target": 0},
    ]  # fmt: skip


def test_response_times_count_from_arrival_not_from_the_buyers_date_header(book: Book) -> None:
    """A buyer whose clock is two days behind must not make our answer look two days slower."""
    book.receive(LIHUA, "Shipment delayed", "The shipment is delayed by three weeks. This is unacceptable.",
                 "<c4@x>", _at(25, 9), dated=_at(23, 9))  # fmt: skip
    book.answer(LIHUA, "<c4@x>", _at(25, 10))
    (week,) = ReportQueries(book.store).response_times(Period(date(2026, 11, 23), date(2026, 11, 29)))
    assert week == {"week": "2026-W48", "complaints": 3, "answered": 2, "median_hours": 2.0, "p90_hours": 2.8,
                    "within_target": 2}  # fmt: skip


def test_complaints_per_week_by_category_and_per_customer(book: Book) -> None:
    found = ReportQueries(book.store).complaints(Period(date(2026, 11, 1), date(2026, 11, 30)))
    assert found == {
        "weeks": [
            {"week": "2026-W48", "category": "quality", "complaints": 1},
            {"week": "2026-W48", "category": "shipping", "complaints": 1},
        ],
        "customers": [{"customer": LIHUA, "complaints": 1}, {"customer": MARIA, "complaints": 1}],
    }


def test_the_overview_counts_what_needs_a_person_now(book: Book) -> None:
    book.draft("ack:1", "pending_review", _at(29, 12))
    book.draft("ack:2", "pending_review", _at(30, 6))
    book.draft("ack:3", "approved", _at(1, 12))  # decided: not waiting
    book.receive(MARIA, "Shipment delayed", "The shipment is delayed by three weeks. This is unacceptable.", "<c3@x>",
                 _at(28, 8))  # fmt: skip
    (case_id,) = [case["id"] for case in book.store.cases() if case["subject"] == "Shipment delayed"]
    desk = CaseDesk(book.store, parse_settings({}, Path("settings.toml")))
    desk.resolve(case_id, "manager", NOW)  # closed: no longer counted
    with book.store.sessions.begin() as session:
        mark_bounced(session, "gone@closed-shop.example", "<dsn@x>")
    book.receive(MARIA, "Payment", "We have paid invoice INV-1 yesterday.", "<p1@x>", _at(29, 8))
    assert ReportQueries(book.store).overview(NOW) == {
        "drafts_waiting": 2,
        "oldest_draft_hours": 24.0,
        "open_cases": {"high": 0, "medium": 2, "low": 0},
        "unanswered_complaints": 1,
        "oldest_unanswered_hours": 67.0,  # Friday 17:00 to Monday 12:00, calendar hours
        "held_invoices": 1,
        "bounced_addresses": 1,
        "customers_on_credit_hold": 0,
    }


def test_an_empty_book_has_an_overview_of_zeros_and_nulls(db_url: str) -> None:
    store = Store(db_url)
    store.create_schema()
    assert ReportQueries(store).overview(NOW) == {
        "drafts_waiting": 0, "oldest_draft_hours": None, "open_cases": {"high": 0, "medium": 0, "low": 0},
        "unanswered_complaints": 0, "oldest_unanswered_hours": None, "held_invoices": 0, "bounced_addresses": 0,
        "customers_on_credit_hold": 0,
    }  # fmt: skip
    store.close()


def test_neglected_lists_customers_past_their_cadence_and_those_never_contacted(book: Book) -> None:
    queries = ReportQueries(book.store)
    # On 30 November Maria (A, weekly) had our answer 7 days ago: on time. Li Hua (B) wrote 3 days ago.
    assert queries.neglected(CADENCE, date(2026, 11, 30), NOW) == [
        {"customer": QUIET, "class": "C", "last_contact_at": None, "cadence_days": 30, "days_overdue": None},
    ]
    end_of_december_4 = datetime(2026, 12, 5, tzinfo=UTC)
    assert queries.neglected(CADENCE, date(2026, 12, 4), end_of_december_4) == [
        {"customer": QUIET, "class": "C", "last_contact_at": None, "cadence_days": 30, "days_overdue": None},
        {"customer": MARIA, "class": "A", "last_contact_at": "2026-11-23T13:00:00+00:00", "cadence_days": 7,
         "days_overdue": 4},
    ]  # fmt: skip


def test_neglected_counts_only_contacts_before_the_day_asked(book: Book) -> None:
    """A contact after --to does not make the customer look attended to on that day."""
    rows = ReportQueries(book.store).neglected(
        CADENCE, date(2026, 11, 20), datetime(2026, 11, 21, tzinfo=UTC)
    )
    assert [row["customer"] for row in rows] == [QUIET, LIHUA, MARIA]  # never contacted, by address
    assert all(row["last_contact_at"] is None for row in rows)
