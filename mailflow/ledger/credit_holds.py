"""Whether a customer is on credit hold, and the reason a person reads. Pure.

A customer is on hold while an invoice of theirs is more than `after_days`
days overdue, counted on their own calendar date (their time zone), or while
their open balance is over their credit limit. Balances are compared in the
limit's currency only: invoices in other currencies are not converted and do
not count against the limit (their overdue days still do).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from mailflow.ledger.business_hours import zone


@dataclass(frozen=True)
class OpenInvoice:
    number: str
    currency: str
    balance: Decimal  # what is still owed, more than 0
    due: date


@dataclass(frozen=True)
class CreditStanding:
    timezone: str  # the customer's IANA zone ("" = the default one, already filled in)
    credit_limit: Decimal | None  # None: no limit
    limit_currency: str
    invoices: tuple[OpenInvoice, ...]


def money(amount: Decimal, currency: str) -> str:
    """52000 USD -> '52,000.00 USD': the same for every reader of an internal notice."""
    return f"{amount:,.2f} {currency}"


def hold_reason(standing: CreditStanding, now: datetime, after_days: int) -> str:
    """Why the customer is on hold ("" = they are not): each cause, the worst overdue invoice first."""
    today = now.astimezone(zone(standing.timezone)).date()
    reasons = []
    late = sorted(
        ((today - invoice.due).days, invoice.number) for invoice in standing.invoices if invoice.due < today
    )
    over = [(days, number) for days, number in late if days > after_days]
    if over:
        days, number = over[-1]
        more = f" (and {len(over) - 1} more over {after_days} days)" if len(over) > 1 else ""
        reasons.append(f"{number} is {days} days overdue{more}")
    if standing.credit_limit is not None:
        owed = sum(
            (invoice.balance for invoice in standing.invoices if invoice.currency == standing.limit_currency),
            Decimal("0"),
        )
        if owed > standing.credit_limit:
            reasons.append(
                f"open balance {money(owed, standing.limit_currency)} over the credit limit "
                f"{money(standing.credit_limit, standing.limit_currency)}"
            )
    return "; ".join(reasons)
