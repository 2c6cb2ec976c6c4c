"""A customer on credit hold on the review pages: their page (en, zh), the customers list's filter and the
overview's count that links to it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from flask.testing import FlaskClient
from sqlalchemy import select

from mailflow.ledger.sheet_records import CustomerRecord, InvoiceRecord
from mailflow.ledger.store import Ledger
from mailflow.schedule.hold_notices import HoldNotices
from mailflow.store.models import Customer
from tests.review.web.conftest import Site, log_in

HELD, FINE = "kiri@pacific-imports.example", "sam@westcoast-imports.example"
REASON = "open balance 1,500.00 USD over the credit limit 1,000.00 USD"


def _one_on_hold(site: Site) -> int:
    ledger = Ledger(site.store)
    limit = {"credit_limit": Decimal("1000"), "credit_limit_currency": "USD", "payment_days": "10,25"}
    ledger.import_customers(
        [
            CustomerRecord(
                HELD, "Kiri", "Pacific Imports", "NZ", "en", "Pacific/Auckland", "", None, False, **limit
            ),
            CustomerRecord(FINE, "Sam", "Westcoast", "US", "en", "America/Los_Angeles", "", None, False),
        ]
    )
    due = date.today() + timedelta(days=30)
    ledger.import_invoices(
        "i.csv",
        [
            InvoiceRecord(
                2, "INV-1", HELD, Decimal("1500"), "USD", date.today(), due, Decimal("0"), None, ""
            ),
            InvoiceRecord(
                3, "INV-2", FINE, Decimal("1500"), "USD", date.today(), due, Decimal("0"), None, ""
            ),
        ],
    )
    (change,) = HoldNotices(site.settings, site.store).evaluate(datetime.now(UTC))
    assert change.email == HELD
    with site.store.sessions() as session:
        return session.scalars(select(Customer.id).where(Customer.email == HELD)).one()


def test_the_customers_page_says_why_they_are_on_hold_in_english_and_chinese(
    site: Site, client: FlaskClient
) -> None:
    customer_id = _one_on_hold(site)
    log_in(client)
    html = client.get(f"/customers/{customer_id}").get_data(as_text=True)
    assert "On credit hold" in html and REASON in html
    assert "Credit limit: 1,000.00 USD" in html and "10,25" in html
    chinese = client.get(f"/customers/{customer_id}?lang=zh").get_data(as_text=True)
    assert "信用冻结中" in chinese and "信用额度" in chinese


def test_the_customers_list_shows_only_those_on_hold_when_asked(site: Site, client: FlaskClient) -> None:
    _one_on_hold(site)
    log_in(client)
    held = client.get("/customers?hold=1").get_data(as_text=True)
    assert HELD in held and FINE not in held and REASON in held
    everyone = client.get("/customers").get_data(as_text=True)
    assert HELD in everyone and FINE in everyone


def test_the_overview_counts_the_customers_on_hold_and_links_to_them(site: Site, client: FlaskClient) -> None:
    _one_on_hold(site)
    log_in(client)
    html = client.get("/overview").get_data(as_text=True)
    assert '<a href="/customers?hold=1"><span class="n">1</span> On credit hold</a>' in html
