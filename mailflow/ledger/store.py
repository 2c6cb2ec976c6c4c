"""Customers and invoices from the reps' sheets, and payments. Part of the store.

An import is one transaction: a file with any bad row (or an invoice for a
customer nobody imported) writes nothing. Rows are matched by email and by
invoice number, and a row equal to what is stored changes nothing, so
importing the same file twice is harmless. A paid amount never goes down on
import: payments recorded by hand since the sheet was saved are kept.

A payment (recorded or imported) and a cancellation cancel the invoice's
reminder drafts that wait: they were written for a balance that is no longer
owed. A new invoice is held by what its buyers wrote about paying in the days
before it was imported, as if it had existed then (ledger/payment_holds).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailflow.errors import MailflowError
from mailflow.ledger.customer_classes import abc_classes
from mailflow.ledger.payment_holds import buyer_wrote, cancel_reminders, hold_from_recent_messages
from mailflow.ledger.sheet_records import CustomerRecord, InvoiceRecord, RowError
from mailflow.store.engine import Store
from mailflow.store.models import Customer, Invoice, Payment, utcnow

audit = logging.getLogger("mailflow.audit")

_CUSTOMER_FIELDS = (
    "name",
    "company",
    "country",
    "language",
    "timezone",
    "class_set",
    "annual_sales",
    "opted_out",
    "payment_days",
    "credit_limit",
    "credit_limit_currency",
)


class ImportRefused(MailflowError):
    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__(f"{len(errors)} problem(s); nothing was imported")
        self.errors = list(errors)
        self.details = tuple(str(error) for error in self.errors)


@dataclass(frozen=True)
class ImportReport:
    added: int
    updated: int
    unchanged: int
    held: tuple[str, ...] = ()  # new invoices whose reminders a buyer's recent message holds

    def __str__(self) -> str:
        text = f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"
        return text + (f"; reminders held, the buyer wrote: {', '.join(self.held)}" if self.held else "")


class Ledger:
    def __init__(self, store: Store) -> None:
        self.sessions = store.sessions

    def import_customers(self, records: Sequence[CustomerRecord]) -> ImportReport:
        counts: Counter[str] = Counter()
        with self.sessions.begin() as session:
            emails = [record.email for record in records]
            existing = {
                c.email: c for c in session.scalars(select(Customer).where(Customer.email.in_(emails)))
            }
            for record in records:
                row = existing.get(record.email)
                if row is None:
                    domain = record.email.rpartition("@")[2]
                    fields = {name: getattr(record, name) for name in _CUSTOMER_FIELDS}
                    session.add(Customer(email=record.email, domain=domain, listed=True, **fields))
                    counts["added"] += 1
                    continue
                changed = not row.listed  # known from mail until now; on the list from here on
                row.listed = True
                for name in _CUSTOMER_FIELDS:
                    value = getattr(record, name)
                    if name in ("name", "company") and not value:
                        continue  # a blank cell does not erase what mail told us
                    if getattr(row, name) != value:
                        setattr(row, name, value)
                        changed = True
                counts["updated" if changed else "unchanged"] += 1
        return ImportReport(counts["added"], counts["updated"], counts["unchanged"])

    def import_invoices(
        self, file: str, records: Sequence[InvoiceRecord], messages_since: datetime | None = None
    ) -> ImportReport:
        """`messages_since`: the buyers' payment messages since then hold the new invoices (None: none)."""
        counts: Counter[str] = Counter()
        now, added, paid = utcnow(), [], []
        with self.sessions.begin() as session:
            emails = {record.customer_email for record in records}
            query = select(Customer.email, Customer.id).where(Customer.email.in_(emails))
            customers = {email: customer_id for email, customer_id in session.execute(query)}
            unknown = [
                RowError(file, r.row, "email", f"no customer {r.customer_email}: import the customers first")
                for r in records
                if r.customer_email not in customers
            ]
            if unknown:
                raise ImportRefused(unknown)
            numbers = [record.number for record in records]
            existing = {
                i.number: i for i in session.scalars(select(Invoice).where(Invoice.number.in_(numbers)))
            }
            for record in records:
                values: dict[str, Any] = {
                    "customer_id": customers[record.customer_email],
                    "amount": record.amount,
                    "currency": record.currency,
                    "issued": record.issued,
                    "due": record.due,
                    "order_ref": record.order_ref,
                }
                row = existing.get(record.number)
                if row is None:
                    paid_on = record.paid_on if record.paid_amount >= record.amount else None
                    added.append(
                        Invoice(
                            number=record.number, paid_amount=record.paid_amount, paid_on=paid_on, **values
                        )
                    )
                    session.add(added[-1])
                    counts["added"] += 1
                    continue
                if record.paid_amount > row.paid_amount:
                    paid.append(record.number)
                    values["paid_amount"] = record.paid_amount
                    if record.paid_amount >= record.amount:
                        values["paid_on"] = record.paid_on or row.paid_on
                changed = {name: value for name, value in values.items() if getattr(row, name) != value}
                for name, value in changed.items():
                    setattr(row, name, value)
                counts["updated" if changed else "unchanged"] += 1
            cancel_reminders(session, paid, f"a payment came with the invoice sheet {file}", now)
            held = hold_from_recent_messages(session, added, messages_since, now) if messages_since else []
        return ImportReport(counts["added"], counts["updated"], counts["unchanged"], tuple(held))

    def record_payment(self, number: str, amount: Decimal | None, on: date, actor: str) -> dict[str, Any]:
        """A payment against an invoice (its whole balance when no amount is given)."""
        with self.sessions.begin() as session:
            invoice = _named_invoice(session, number)
            if invoice.cancelled:
                raise MailflowError(f"invoice {number} is cancelled")
            balance = invoice.amount - invoice.paid_amount
            if balance <= 0:
                raise MailflowError(f"invoice {number} is paid already")
            paying = balance if amount is None else amount.quantize(Decimal("0.01"))
            if paying <= 0 or paying > balance:
                raise MailflowError(f"invoice {number}: the amount must be more than 0 and at most {balance}")
            session.add(Payment(invoice_id=invoice.id, amount=paying, on=on, source=actor))
            invoice.paid_amount += paying
            invoice.hold = ""  # a person looked at it: the reminders go on for what is left
            if invoice.paid_amount >= invoice.amount:
                invoice.paid_on = on
            # A waiting reminder asks for the balance it was written with: paid, or no longer owed.
            why = f"{actor} recorded a payment of {paying} {invoice.currency} on {on.isoformat()}"
            cancelled = cancel_reminders(session, [number], why, utcnow())
            session.flush()
            return {**_invoice_dict(invoice, None), "reminders_cancelled": cancelled}

    def cancel(self, number: str, actor: str, reason: str) -> int:
        """Cancel an invoice (it will not be paid: a credit note, a mistake); returns the reminders cancelled."""
        with self.sessions.begin() as session:
            invoice = _named_invoice(session, number)
            if invoice.cancelled:
                raise MailflowError(f"invoice {number} is cancelled already")
            invoice.cancelled = True
            why = f"{actor} cancelled invoice {number}" + (f": {reason}" if reason else "")
            audit.info("%s", why)
            return cancel_reminders(session, [number], why, utcnow())

    def buyer_wrote(self, number: str) -> dict[str, Any] | None:
        """The latest message in which the invoice's buyer says they paid, paid part, ask for time or dispute it."""
        with self.sessions() as session:
            return buyer_wrote(session, number)

    def resume(self, number: str) -> str:
        """Clear an invoice's hold (a person checked the buyer's "we have paid"); returns what it was."""
        with self.sessions.begin() as session:
            invoice = _named_invoice(session, number)
            held, invoice.hold = invoice.hold, ""
            return held

    def customers(self) -> list[dict[str, Any]]:
        with self.sessions() as session:
            rows = list(session.scalars(select(Customer).order_by(Customer.email)))
        computed = abc_classes({row.id: row.annual_sales for row in rows})
        return [
            {
                "id": row.id,
                "email": row.email,
                "name": row.name,
                "company": row.company,
                "country": row.country,
                "language": row.language,
                "timezone": row.timezone,
                "class": row.class_set or computed[row.id],
                "annual_sales": str(row.annual_sales) if row.annual_sales is not None else None,
                "opted_out": row.opted_out,
                "payment_days": row.payment_days,
                "credit_limit": (
                    f"{row.credit_limit} {row.credit_limit_currency}"
                    if row.credit_limit is not None
                    else None
                ),
                "credit_hold": row.credit_hold_since is not None,
                "credit_hold_reason": row.credit_hold_reason,
                "credit_hold_since": row.credit_hold_since.isoformat() if row.credit_hold_since else None,
            }
            for row in rows
        ]

    def invoices(self, open_only: bool = False, customer_id: int | None = None) -> list[dict[str, Any]]:
        query = select(Invoice, Customer.email).join(Customer, Invoice.customer_id == Customer.id)
        if open_only:
            query = query.where(Invoice.cancelled.is_(False), Invoice.paid_amount < Invoice.amount)
        if customer_id is not None:
            query = query.where(Invoice.customer_id == customer_id)
        with self.sessions() as session:
            return [
                _invoice_dict(i, email)
                for i, email in session.execute(query.order_by(Invoice.due, Invoice.number))
            ]


def _invoice_dict(invoice: Invoice, customer: str | None) -> dict[str, Any]:
    balance = invoice.amount - invoice.paid_amount
    status = (
        "cancelled"
        if invoice.cancelled
        else "paid"
        if balance <= 0
        else "partial"
        if invoice.paid_amount
        else "open"
    )
    return {
        "number": invoice.number,
        "customer": customer,
        "amount": str(invoice.amount),
        "currency": invoice.currency,
        "issued": invoice.issued.isoformat(),
        "due": invoice.due.isoformat(),
        "paid_amount": str(invoice.paid_amount),
        "balance": str(max(balance, Decimal("0"))),
        "paid_on": invoice.paid_on.isoformat() if invoice.paid_on else None,
        "order_ref": invoice.order_ref,
        "status": status,
        "hold": invoice.hold,
    }


def _named_invoice(session: Session, number: str) -> Invoice:
    """The invoice a command names; a number that is not there is the person's mistake, said plainly."""
    invoice = session.scalar(select(Invoice).where(Invoice.number == number))
    if invoice is None:
        raise MailflowError(f"no invoice {number}")
    return invoice
