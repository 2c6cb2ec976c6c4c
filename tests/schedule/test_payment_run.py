"""Payment days move the "before due" reminder ahead of the buyer's payment run: in the planner, and a tick."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import time_machine
from sqlalchemy import select

from mailflow.config.schedule import schedule_settings
from mailflow.config.table import Table
from mailflow.ledger.business_hours import Place
from mailflow.schedule.planner import Book, BookCustomer, BookInvoice, plan
from mailflow.store.models import Draft
from tests.schedule.test_tick import MADRID, Office, _at, _customer, _invoice

SETTINGS = schedule_settings(Table({}, ""), Path("."))
BERLIN = Place("Europe/Berlin", "")  # Saturday-Sunday weekend, no holidays


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _book(payment_days: tuple[int, ...]) -> Book:
    buyer = BookCustomer(1, "buyer@importer.example", "en", BERLIN, "", False, True, payment_days)
    due = date(2026, 12, 10)  # Thursday
    return Book({1: buyer}, (BookInvoice(1, "INV-1", 1, due, "", None),), (), frozenset())


def _reminders(book: Book, lead: int = 2) -> dict[str, datetime]:
    settings = replace(SETTINGS, payment_run_lead_business_days=lead)
    due = plan(book, settings, {"update": "required"}, utc(2026, 11, 1, 12), utc(2027, 2, 1))
    return {item.key: item.due_at for item in due}


def test_the_first_reminder_moves_across_the_month_end_and_the_weekend_before_the_run() -> None:
    # Runs on the 15th and the 31st: none in December before the 10th, so the run is 30 November
    # (a Monday; November has no 31st). Two business days before it is Thursday 26 November.
    moved = _reminders(_book((15, 31)))
    assert moved["reminder:INV-1:-7"] == utc(2026, 11, 26, 9, 0)  # 10:00 in Berlin
    assert moved["reminder:INV-1:+0"] == utc(2026, 12, 10, 9, 0)  # the other levels stay where they were
    assert moved["reminder:INV-1:+7"] == utc(2026, 12, 17, 9, 0)


def test_the_lead_is_a_setting() -> None:
    assert _reminders(_book((15, 31)), lead=4)["reminder:INV-1:-7"] == utc(2026, 11, 24, 9, 0)


def test_without_payment_days_nothing_moves() -> None:
    assert _reminders(_book(()))["reminder:INV-1:-7"] == utc(2026, 12, 3, 9, 0)


def test_a_tick_drafts_the_moved_reminder_ahead_of_the_run(tmp_path: Path, db_url: str) -> None:
    office = Office(
        tmp_path, db_url, "payment_run_lead_business_days = 2\n[schedule.updates]\nenabled = false"
    )
    office.ledger.import_customers([_customer("maria@harbor-imports.example", payment_days="15,31")])
    office.ledger.import_invoices(
        "i.csv", [_invoice("INV-7", "maria@harbor-imports.example", "100", date(2026, 12, 10))]
    )
    with time_machine.travel(_at(2026, 11, 25, 11), tick=False):  # Wednesday: not yet
        assert office.tick() == 0
    with time_machine.travel(_at(2026, 11, 26, 9), tick=False):  # Thursday, 2 business days before the run
        assert office.tick() == 1
        assert office.tick() == 0
    assert office.keys("reminder") == ["reminder:INV-7:-7"]  # without payment days: 3 December
    with office.store.sessions() as session:
        (scheduled,) = session.scalars(select(Draft.scheduled_for).where(Draft.kind == "reminder"))
    assert scheduled.astimezone(MADRID) == _at(2026, 11, 26, 10)  # schedule.send_at, the buyer's clock
    office.store.close()
