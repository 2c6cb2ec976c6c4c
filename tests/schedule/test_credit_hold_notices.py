"""Credit holds against a real database: started by the schedule tick on the customer's own date, ended by
`mailflow invoices paid`, each told to the order desk once, and the notices really sent over SMTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from email import message_from_bytes
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select

from mailflow.outbound.sender import Sender
from mailflow.store.models import Customer, Draft
from tests.schedule.test_tick import Office, _customer, _invoice
from tests.support.cli import run_mailflow
from tests.support.smtp_sink import FaultyHandler

ORDER_DESK = "orders@ningbo-homeware.example"
LEDGER = f'[schedule.updates]\nenabled = false\n\n[ledger]\nhold_notify = ["{ORDER_DESK}"]\n'
AUCKLAND, LOS_ANGELES = "kiri@pacific-imports.example", "sam@westcoast-imports.example"
# 12:00 UTC on 1 December: already 2 December in Auckland (day 31 after a 1 November due date),
# still 1 December in Los Angeles (day 30).
NOON_UTC = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def office(tmp_path: Path, db_url: str, sink: tuple[FaultyHandler, int]) -> Iterator[Office]:
    made = Office(tmp_path, db_url, LEDGER, smtp_port=sink[1])
    yield made
    made.store.close()


def _hold_keys(office: Office) -> list[str]:
    return [key for key in office.keys("internal") if key.startswith("hold:")]


def _hold(office: Office, email: str) -> tuple[datetime | None, str]:
    with office.store.sessions() as session:
        row = session.execute(
            select(Customer.credit_hold_since, Customer.credit_hold_reason).where(Customer.email == email)
        ).one()
    return row[0], row[1]


def _customers_json(office: Office) -> dict[str, dict[str, object]]:
    done = run_mailflow(office.settings.path, "customers", "list", "--json")
    assert done.returncode == 0, done.stderr
    return {row["email"]: row for row in json.loads(done.stdout)}


def test_a_hold_starts_at_31_days_overdue_on_the_customers_date_and_ends_when_paid(
    office: Office, sink: tuple[FaultyHandler, int]
) -> None:
    office.ledger.import_customers(
        [
            _customer(AUCKLAND, timezone="Pacific/Auckland", country="NZ", language="en"),
            _customer(LOS_ANGELES, timezone="America/Los_Angeles", country="US", language="en"),
        ]
    )
    office.ledger.import_invoices(
        "i.csv",
        [
            _invoice("INV-A", AUCKLAND, "800", date(2026, 11, 1), "USD"),
            _invoice("INV-L", LOS_ANGELES, "800", date(2026, 11, 1), "USD"),
        ],
    )
    with time_machine.travel(NOON_UTC, tick=False):
        office.tick()
        office.tick()  # the hold is noticed once, however many ticks see it
    since, reason = _hold(office, AUCKLAND)
    assert (since, reason) == (NOON_UTC, "INV-A is 31 days overdue")
    assert _hold(office, LOS_ANGELES) == (None, "")
    (start,) = _hold_keys(office)
    assert start.startswith("hold:") and ":start:2026-12-01T12:00:00" in start
    listed = _customers_json(office)
    assert listed[AUCKLAND]["credit_hold"] is True
    assert listed[AUCKLAND]["credit_hold_reason"] == "INV-A is 31 days overdue"
    assert listed[LOS_ANGELES]["credit_hold"] is False

    paid = run_mailflow(office.settings.path, "invoices", "paid", "INV-A")
    assert paid.returncode == 0, paid.stderr
    assert f"customer {AUCKLAND}: off credit hold" in paid.stdout
    assert _hold(office, AUCKLAND) == (None, "")
    with time_machine.travel(NOON_UTC + timedelta(hours=1), tick=False):
        office.tick()
    keys = [key for key in _hold_keys(office) if key.startswith(start.split(":start:")[0])]
    assert keys == [start, start.replace(":start:", ":end:")]  # one start, one end

    handler, _ = sink
    assert Sender(office.settings, office.store).run_until_empty()["sent"] >= 2
    notices = [message_from_bytes(raw) for raw in handler.received]
    assert [envelope for envelope in handler.envelopes] == [[ORDER_DESK]] * len(notices)
    subjects = [str(notice["Subject"]) for notice in notices]
    assert any(subject.startswith("Credit hold: Harbor Imports") for subject in subjects)
    assert any(subject.startswith("Credit hold ended: Harbor Imports") for subject in subjects)
    assert all(AUCKLAND not in str(notice["To"]) for notice in notices)  # never to the buyer
    with office.store.sessions() as session:
        statuses = set(session.scalars(select(Draft.status).where(Draft.kind == "internal")))
    assert statuses == {"sent"}  # approved at once, never waiting for review


def test_a_partial_payment_that_brings_the_balance_under_the_credit_limit_ends_the_hold(
    office: Office,
) -> None:
    limit = {"credit_limit": Decimal("1000.00"), "credit_limit_currency": "USD"}
    office.ledger.import_customers([_customer(AUCKLAND, timezone="Pacific/Auckland", **limit)])
    office.ledger.import_invoices(
        "i.csv",
        [
            _invoice("INV-1", AUCKLAND, "1500", date(2027, 1, 15), "USD"),
            _invoice("INV-2", AUCKLAND, "5000", date(2027, 1, 15), "EUR"),  # not converted: not counted
        ],
    )
    with time_machine.travel(NOON_UTC, tick=False):
        office.tick()
    assert _hold(office, AUCKLAND)[1] == "open balance 1,500.00 USD over the credit limit 1,000.00 USD"

    paid = run_mailflow(office.settings.path, "invoices", "paid", "INV-1", "--amount", "600")
    assert paid.returncode == 0, paid.stderr
    assert _hold(office, AUCKLAND) == (None, "")  # 900.00 USD owed: under the limit
    assert [key.split(":")[2] for key in _hold_keys(office)] == ["start", "end"]


def test_an_import_that_lowers_the_limit_starts_a_hold_at_once(office: Office, tmp_path: Path) -> None:
    office.ledger.import_customers([_customer(AUCKLAND)])
    office.ledger.import_invoices("i.csv", [_invoice("INV-1", AUCKLAND, "1500", date(2027, 1, 15), "USD")])
    sheet = tmp_path / "customers.csv"
    sheet.write_text(f"email,credit_limit,payment_days\n{AUCKLAND},1000 USD,25\n", encoding="utf-8")
    done = run_mailflow(office.settings.path, "customers", "import", str(sheet))
    assert done.returncode == 0, done.stderr
    assert f"customer {AUCKLAND}: on credit hold (open balance 1,500.00 USD" in done.stdout
    assert [key.split(":")[2] for key in _hold_keys(office)] == ["start"]
    assert _customers_json(office)[AUCKLAND]["payment_days"] == "25"
