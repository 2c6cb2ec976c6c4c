"""The overview page on a small hand-built book, on SQLite and PostgreSQL, time frozen.

Every expected number is counted by hand in the comments beside the rows:
complaints across a weekend and across Thanksgiving, invoices in two
currencies (a partial payment, one paid, one cancelled, one held), a customer
in Auckland whose invoice crosses an ageing boundary at their midnight, and
customers never contacted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from mailflow.config import settings as config
from mailflow.review.accounts import Accounts
from mailflow.review.report_figures import Period
from mailflow.review.reports import ReportQueries
from mailflow.review.web.app import create_app
from mailflow.store.engine import Store
from mailflow.store.models import BouncedAddress, Case, Contact, Customer, Draft, Invoice
from tests.review.web.conftest import PASSWORD, BrowserClient, csrf_token
from tests.support.settings import write_settings

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)  # a Monday; 01:00 on Tuesday 1 December in Auckland
HOSTILE = '"<script>alert(1)</script>"@evil-imports.example'
WEEKS = "/overview?from=2026-11-16&to=2026-11-30"  # ISO weeks 47, 48 and 49


def _at(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@dataclass
class Overview:
    app: Flask
    store: Store


def _customer(session: Any, email: str, zone: str, country: str, klass: str) -> int:
    customer = Customer(email=email, timezone=zone, country=country, class_set=klass, listed=True)
    session.add(customer)
    session.flush()
    return customer.id


def _case(session: Any, customer: int, categories: list[str], severity: str, status: str,
          wrote: datetime, answered: datetime | None) -> None:  # fmt: skip
    case = Case(customer_id=customer, subject="complaint", categories=categories, severity=severity,
                status=status, opened_at=wrote)  # fmt: skip
    session.add(case)
    session.flush()
    key = f"case-{case.id}"
    session.add(Contact(direction="in", customer_id=customer, case_id=case.id, dedupe_key=f"{key}-in",
                        at=wrote, arrived_at=wrote))  # fmt: skip
    if answered:
        session.add(Contact(direction="out", customer_id=customer, case_id=case.id, dedupe_key=f"{key}-out",
                            at=answered))  # fmt: skip


def _invoice(session: Any, number: str, customer: int, amount: str, currency: str, due: date,
             paid: str = "0", cancelled: bool = False, hold: str = "") -> None:  # fmt: skip
    session.add(Invoice(number=number, customer_id=customer, amount=Decimal(amount), currency=currency,
                        issued=date(2026, 6, 1), due=due, paid_amount=Decimal(paid), cancelled=cancelled,
                        hold=hold))  # fmt: skip


def _draft(session: Any, key: str, status: str, created: datetime) -> None:
    session.add(Draft(kind="ack", status=status, policy="required", mailbox="sales", from_addr="sales@x.example",
                      recipient="buyer@x.example", to_addrs=["buyer@x.example"], subject="Re: x", text="We are sorry.",
                      message_id=f"<{key}@x.example>", idempotency_key=key, template="ack_quality",
                      template_inputs={}, created_at=created, updated_at=created))  # fmt: skip


def build_book(store: Store) -> None:
    with store.sessions.begin() as session:
        berlin = _customer(session, "anna@berlin-imports.example", "Europe/Berlin", "DE", "A")
        bremen = _customer(session, "ben@bremen-trade.example", "Europe/Berlin", "DE", "A")
        boston = _customer(session, "carl@boston-home.example", "America/New_York", "US", "B")
        leeds = _customer(session, "dora@leeds-goods.example", "Europe/London", "GB", "C")
        auckland = _customer(session, "fay@auckland-kitchen.example", "Pacific/Auckland", "NZ", "C")
        hamburg = _customer(session, "hans@hamburg-haus.example", "", "DE", "A")
        _customer(session, HOSTILE, "", "", "C")
        # Week 47. Friday 20 November 17:00 UTC (18:00 in Berlin); one business day later is
        # Monday 23rd 18:00 Berlin. Anna's answer on Monday 08:00 UTC (63 h) is within it,
        # Ben's on Tuesday 08:00 UTC (87 h) is not. Median 75.0, p90 63 + 0.9 x 24 = 84.6.
        _case(session, berlin, ["shipping"], "high", "resolved", _at(20, 17), _at(23, 8))
        _case(session, bremen, ["shipping", "quality"], "high", "acknowledged", _at(20, 17), _at(24, 8))
        # Week 48. Wednesday 25th 17:00 local. Boston: Thursday 26th is Thanksgiving, so the target is
        # Friday 17:00 EST; the answer on Friday 10:00 EST (15:00 UTC) is within it, 41 h after 22:00 UTC.
        # Leeds: no holiday, the target was Thursday 17:00; Friday 10:00 UTC (41 h) is late.
        _case(session, boston, ["quality"], "medium", "acknowledged", _at(25, 22), _at(27, 15))
        _case(session, leeds, ["service"], "low", "acknowledged", _at(25, 17), _at(27, 10))
        # Unanswered since Friday 27th 17:00 UTC: 67 h on Monday noon.
        _case(session, boston, ["quality"], "high", "open", _at(27, 17), None)
        # Hans's last contact was a call on 10 November: 20 days for a weekly customer, 13 overdue.
        session.add(Contact(direction="manual", customer_id=hamburg, dedupe_key="call-hans", at=_at(10, 9)))
        _invoice(session, "INV-EUR-1", berlin, "5000", "EUR", date(2026, 12, 10))  # not yet due
        _invoice(session, "INV-EUR-2", berlin, "1200.50", "EUR", date(2026, 8, 1))  # 121 days: 90+
        _invoice(session, "INV-USD-1", auckland, "3000", "USD", date(2026, 10, 31), paid="1000")  # 2000 open
        _invoice(session, "INV-USD-2", boston, "4000", "USD", date(2026, 9, 1), paid="4000")  # paid
        _invoice(
            session, "INV-USD-3", leeds, "700", "USD", date(2026, 11, 30), hold="paid"
        )  # due today, held
        _invoice(session, "INV-USD-4", leeds, "999", "USD", date(2026, 9, 1), cancelled=True)
        _draft(session, "ack:1", "pending_review", _at(29, 12))  # 24 h
        _draft(session, "ack:2", "pending_review", _at(30, 6))
        _draft(session, "ack:3", "approved", _at(1, 12))
        session.add(BouncedAddress(email="gone@closed-shop.example"))
        session.add(
            BouncedAddress(email="back@open-shop.example", cleared_at=_at(2, 9), cleared_by="manager")
        )


@pytest.fixture
def overview(tmp_path: Path, db_url: str) -> Iterator[Overview]:
    with time_machine.travel(NOW, tick=False):
        settings = config.load(write_settings(tmp_path, db_url, 1, "u", "p"))
        store = Store(settings.database_url)
        build_book(store)
        Accounts(store).add("manager", PASSWORD)
        app = create_app(settings, store, secret_key=b"t" * 32)
        app.test_client_class = BrowserClient
        yield Overview(app, store)
        store.close()


def _logged_in(app: Flask) -> FlaskClient:
    client = app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": "manager", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return client


class _Links(HTMLParser):
    """Every link of a page: (path, its query as a set of pairs, the text inside it)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, frozenset[tuple[str, str]], str]] = []
        self._open: list[str] | None = None
        self._href = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href, self._open = dict(attrs).get("href") or "", []

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            url = urlsplit(self._href)
            self.found.append(
                (url.path, frozenset(parse_qsl(url.query)), " ".join("".join(self._open).split()))
            )
            self._open = None


def links(html: str) -> list[tuple[str, frozenset[tuple[str, str]], str]]:
    parser = _Links()
    parser.feed(html)
    return parser.found


def linked(html: str, path: str, **query: str) -> list[str]:
    """The texts of the links to `path` with exactly this query."""
    wanted = frozenset(query.items())
    return [text for where, asked, text in links(html) if where == path and asked == wanted]


def _page(overview: Overview, url: str = WEEKS) -> str:
    response = _logged_in(overview.app).get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def test_the_overview_needs_a_login(overview: Overview) -> None:
    response = overview.app.test_client().get("/overview")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_a_reviewer_lands_on_the_overview_after_logging_in(overview: Overview) -> None:
    client = overview.app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    form = {"username": "manager", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=form).headers["Location"] == "/overview"


def test_the_counts_that_need_a_person_now_link_to_their_lists(overview: Overview) -> None:
    page = _page(overview)
    html = page[page.index('id="now"') :]  # the header links to the queue too
    assert linked(html, "/") == ["2 Drafts waiting for review"]  # the approved one is decided
    assert "the oldest for 24 h" in html
    # Open: Ben's and the unanswered Boston case high, Carl's medium, Dora's low; Anna's is resolved.
    assert linked(html, "/cases", status="open", severity="high") == ["2 high"]
    assert linked(html, "/cases", status="open", severity="medium") == ["1 medium"]
    assert linked(html, "/cases", status="open", severity="low") == ["1 low"]
    assert linked(html, "/cases", status="unanswered") == ["1 Complaints without any answer"]
    assert "the oldest for 2 d" in html  # 67 h
    assert linked(html, "/invoices", state="held") == ["1 Held invoices (the buyer says paid)"]
    assert '<span class="n">1</span> Bounced addresses' in html  # one cleared, one not


def test_response_times_count_business_days_across_a_weekend_and_a_holiday(overview: Overview) -> None:
    html = _page(overview)
    w47 = linked(html, "/cases", status="all", week="2026-W47")
    w48 = linked(html, "/cases", status="all", week="2026-W48")
    w49 = linked(html, "/cases", status="all", week="2026-W49")
    # complaints, answered, within one business day, median and p90 hours
    assert w47 == ["2", "2", "1", "75.0", "84.6"]
    assert w48 == ["3", "2", "1", "41.0", "41.0"]
    assert w49 == ["0", "0", "0"]  # no median or p90 without an answer


def test_the_cli_and_the_page_count_response_times_alike(overview: Overview) -> None:
    rows = ReportQueries(overview.store).response_times(Period(date(2026, 11, 16), date(2026, 11, 30)), 1)
    assert rows == [
        {"week": "2026-W47", "complaints": 2, "answered": 2, "median_hours": 75.0, "p90_hours": 84.6,
         "within_target": 1},
        {"week": "2026-W48", "complaints": 3, "answered": 2, "median_hours": 41.0, "p90_hours": 41.0,
         "within_target": 1},
        {"week": "2026-W49", "complaints": 0, "answered": 0, "median_hours": None, "p90_hours": None,
         "within_target": 0},
    ]  # fmt: skip


def test_a_longer_target_lets_the_late_answers_in(overview: Overview) -> None:
    """Two business days: Ben's Tuesday answer and Dora's Friday answer are in time too."""
    rows = ReportQueries(overview.store).response_times(Period(date(2026, 11, 16), date(2026, 11, 30)), 2)
    assert [row["within_target"] for row in rows] == [2, 2, 0]


def test_complaints_per_week_by_category_and_the_customers_with_the_most(overview: Overview) -> None:
    html = _page(overview)
    # Week 47: Anna shipping, Ben shipping and quality. Week 48: Carl quality twice, Dora service.
    assert linked(html, "/cases", status="all", week="2026-W47", category="quality") == ["1"]
    assert linked(html, "/cases", status="all", week="2026-W47", category="shipping") == ["2"]
    assert linked(html, "/cases", status="all", week="2026-W47", category="service") == ["0"]
    assert linked(html, "/cases", status="all", week="2026-W48", category="quality") == ["2"]
    assert linked(html, "/cases", status="all", week="2026-W48", category="service") == ["1"]
    assert linked(html, "/cases", status="all", week="2026-W49", category="quality") == ["0"]
    # Carl first with two, then the others with one each, by address.
    ranked = [text for path, _, text in links(html) if path.startswith("/customers/") and "@" in text]
    assert ranked[:4] == [
        "carl@boston-home.example", "anna@berlin-imports.example", "ben@bremen-trade.example",
        "dora@leeds-goods.example",
    ]  # fmt: skip
    assert linked(html, "/cases", status="all", customer="carl@boston-home.example") == ["2"]


def test_receivables_age_per_currency_with_partial_payments(overview: Overview) -> None:
    html = _page(overview, "/overview")  # no day asked: each invoice on its customer's date

    def cell(currency: str, bucket: str) -> list[str]:
        return linked(html, "/invoices", state="open", currency=currency, bucket=bucket)

    # EUR: 5,000.00 not yet due and 1,200.50 past 90 days (121).
    assert cell("EUR", "not_due") == ["5,000.00", "1"]
    assert cell("EUR", "90+") == ["1,200.50", "1"]
    assert cell("EUR", "1-30") == ["0.00", "0"]
    assert linked(html, "/invoices", state="open", currency="EUR") == ["6,200.50", "2"]
    # USD: 700 due today (not late; held, still owed), 3000 less 1000 paid 31 days late in Auckland.
    # The paid and the cancelled invoices are not there.
    assert cell("USD", "not_due") == ["700.00", "1"]
    assert cell("USD", "1-30") == ["0.00", "0"]
    assert cell("USD", "31-60") == ["2,000.00", "1"]
    assert cell("USD", "90+") == ["0.00", "0"]
    assert linked(html, "/invoices", state="open", currency="USD") == ["2,700.00", "2"]


def test_an_invoice_crosses_into_the_next_bucket_at_midnight_in_its_customers_time_zone(
    overview: Overview,
) -> None:
    """Due 31 October: at 23:00 on 30 November in Auckland (10:00 UTC) it is 30 days late; at 01:00
    on 1 December (12:00 UTC, still 30 November in UTC) it is 31."""
    with time_machine.travel(datetime(2026, 11, 30, 10, 59, tzinfo=UTC), tick=False):
        before = _page(overview, "/overview")
    after = _page(overview, "/overview")
    assert linked(before, "/invoices", state="open", currency="USD", bucket="1-30") == ["2,000.00", "1"]
    assert linked(before, "/invoices", state="open", currency="USD", bucket="31-60") == ["0.00", "0"]
    assert linked(after, "/invoices", state="open", currency="USD", bucket="1-30") == ["0.00", "0"]
    assert linked(after, "/invoices", state="open", currency="USD", bucket="31-60") == ["2,000.00", "1"]
    # A day asked for counts the same day for every customer, as `report ageing --to` does.
    asked = _page(overview, "/overview?to=2026-11-30")
    assert linked(asked, "/invoices", state="open", currency="USD", bucket="1-30") == ["2,000.00", "1"]


def test_neglected_customers_never_contacted_first_then_the_longest_overdue(overview: Overview) -> None:
    html = _page(overview)
    assert linked(html, "/customers", neglected="1") == ["All 3 neglected customers"]
    start = html.index('id="neglected"')
    rows = [text for path, _, text in links(html[start:]) if path.startswith("/customers/")]
    # Never contacted, by address ('"' sorts before 'f'); then Hans, 20 days since a call, 13 over a week.
    assert rows == [HOSTILE, "fay@auckland-kitchen.example", "hans@hamburg-haus.example", "13"]
    assert "2026-11-10" in html[start:]
    assert "anna@berlin-imports.example" not in html[start:]  # answered 7 days ago: on time


def test_buyer_text_is_escaped_and_the_charts_carry_no_script(overview: Overview) -> None:
    html = _page(overview)
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<svg") == 4  # response times, categories, ageing in EUR and in USD
    assert "xlink:href" not in html and "<foreignObject" not in html
    assert html.count('role="img"') == 4 and html.count('<table class="figures">') == 4


def test_the_page_speaks_chinese(overview: Overview) -> None:
    html = _page(overview, WEEKS + "&lang=zh")
    assert "概览" in html and "应收账款账龄" in html and "每周各类投诉" in html
    assert linked(html, "/cases", status="open", severity="high") == ["2 高"]


def test_an_empty_book_shows_zeros_and_says_there_is_nothing_to_chart(tmp_path: Path, db_url: str) -> None:
    with time_machine.travel(NOW, tick=False):
        settings = config.load(write_settings(tmp_path, db_url, 1, "u", "p"))
        store = Store(settings.database_url)
        Accounts(store).add("manager", PASSWORD)
        app = create_app(settings, store, secret_key=b"t" * 32)
        app.test_client_class = BrowserClient
        html = _page(Overview(app, store), "/overview")
        store.close()
    assert linked(html, "/cases", status="open", severity="high") == ["0 high"]
    assert "No complaints in this period." in html and "No open invoices." in html
    assert "Every listed customer was contacted within their cadence." in html
    assert html.count("<svg") == 2  # response times and categories, each saying "No data"


def test_a_bad_date_is_a_message_on_the_page(overview: Overview) -> None:
    client = _logged_in(overview.app)
    response = client.get("/overview?from=2026-13-01")
    assert response.status_code == 400
    assert "Not a date (YYYY-MM-DD): 2026-13-01" in response.get_data(as_text=True)
    backwards = client.get("/overview?from=2026-11-30&to=2026-11-01")
    assert backwards.status_code == 400
    assert "The first day (2026-11-30) is after the last day (2026-11-01)." in backwards.get_data(
        as_text=True
    )


def test_the_page_reads_its_figures_in_a_handful_of_statements(overview: Overview) -> None:
    client = _logged_in(overview.app)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(overview.store.engine, "before_cursor_execute", count)
    try:
        assert client.get(WEEKS).status_code == 200
    finally:
        event.remove(overview.store.engine, "before_cursor_execute", count)
    # The login check, then the figures: cases (with their severities), drafts, held, bounced, ageing,
    # neglected (SQLite adds a BEGIN per session).
    selects = [statement for statement in statements if statement.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 7, selects
