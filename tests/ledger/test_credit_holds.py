"""The credit hold rule: more than N days overdue on the customer's own date, or over the credit limit. Pure."""

from datetime import UTC, date, datetime
from decimal import Decimal

from mailflow.ledger.credit_holds import CreditStanding, OpenInvoice, hold_reason

DUE = date(2026, 11, 1)
# 12:00 UTC on 1 December: already 2 December (day 31) in Auckland, still 1 December (day 30) in Los Angeles.
NOON_UTC = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def standing(timezone: str = "UTC", limit: str | None = None, *invoices: OpenInvoice) -> CreditStanding:
    return CreditStanding(timezone, Decimal(limit) if limit else None, "USD", invoices)


def test_day_31_overdue_is_a_hold_on_the_customers_own_calendar() -> None:
    late = OpenInvoice("INV-7", "USD", Decimal("100"), DUE)
    assert hold_reason(standing("Pacific/Auckland", None, late), NOON_UTC, 30) == "INV-7 is 31 days overdue"
    assert hold_reason(standing("America/Los_Angeles", None, late), NOON_UTC, 30) == ""


def test_the_most_overdue_invoice_is_named_and_the_others_counted() -> None:
    invoices = (
        OpenInvoice("INV-7", "USD", Decimal("100"), date(2026, 10, 31)),  # 31 days
        OpenInvoice("INV-5", "USD", Decimal("100"), date(2026, 10, 20)),
        OpenInvoice("INV-9", "USD", Decimal("100"), date(2026, 11, 20)),  # 11 days: not counted
    )
    reason = hold_reason(standing("UTC", None, *invoices), NOON_UTC, 30)
    assert reason == "INV-5 is 42 days overdue (and 1 more over 30 days)"


def test_a_balance_over_the_limit_counts_only_invoices_in_the_limits_currency() -> None:
    invoices = (
        OpenInvoice("INV-1", "USD", Decimal("30000"), date(2026, 12, 20)),
        OpenInvoice("INV-2", "USD", Decimal("22000"), date(2026, 12, 30)),
        OpenInvoice("INV-3", "EUR", Decimal("90000"), date(2026, 12, 30)),  # not converted, not counted
    )
    reason = hold_reason(standing("UTC", "50000", *invoices), NOON_UTC, 30)
    assert reason == "open balance 52,000.00 USD over the credit limit 50,000.00 USD"
    assert hold_reason(standing("UTC", "52000", *invoices), NOON_UTC, 30) == ""  # at the limit: no hold


def test_both_causes_are_said() -> None:
    late = OpenInvoice("INV-7", "USD", Decimal("60000"), DUE)
    assert hold_reason(standing("Pacific/Auckland", "50000", late), NOON_UTC, 30) == (
        "INV-7 is 31 days overdue; open balance 60,000.00 USD over the credit limit 50,000.00 USD"
    )
