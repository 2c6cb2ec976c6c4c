"""What a buyer's payment message does to the reminders, whichever came first. Part of the store.

One rule for both orders things happen in: the message after the invoice
(inbound/schedule_effects, in the message's transaction) or the message before
it (an invoice import looks back `schedule.hold_from_messages_days`). "We have
paid", "part of it", "more time, please" or a dispute hold the reminders of the
open invoices of the writer's company, or only of the invoices the message
names (by number, or by PO for that order's invoices). A hold flags the invoice
for a person (`invoices paid` or `invoices resume` clears it) and cancels its
reminder drafts that wait, the reason in each draft's history; a payment or a
cancellation cancels them too. A reminder of a paid, cancelled or held invoice
is never approved, and its reviewer sees what the buyer wrote.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from mailflow.ledger.companies import company_for
from mailflow.store.models import Contact, Customer, Draft, Invoice
from mailflow.store.waiting_drafts import cancel_waiting

audit = logging.getLogger("mailflow.audit")

HOLDING = {
    "payment:paid": "the buyer says they paid",
    "payment:partial": "the buyer says they paid part",
    "payment:extension": "the buyer asks for more time",
    "payment:dispute": "the buyer disputes the payment",
}
# What a reviewer reads beside a reminder: "the buyer wrote on 2026-12-01 that they paid".
WROTE = {
    "payment:paid": "that they paid",
    "payment:partial": "that they paid part",
    "payment:extension": "asking for more time",
    "payment:dispute": "disputing the payment",
}


def hold_reason(tags: Iterable[str], message_id: str, at: datetime) -> str:
    """Why a message holds reminders ("" = it does not): what it says, its Message-ID and its day."""
    said = set(tags)
    reasons = [why for tag, why in HOLDING.items() if tag in said]
    return f"{'; '.join(reasons)} <{message_id or '?'}> on {at.date().isoformat()}" if reasons else ""


def held_by(invoices: Sequence[Invoice], references: Iterable[Mapping[str, str]]) -> list[Invoice]:
    """Of `invoices`, those a message holds: the ones it names, or all of them when it names none."""
    numbers, orders = set(), set()
    for ref in references:
        value = str(ref.get("value", ""))
        numbers.add(value.upper())
        if ref.get("kind") == "po":
            orders.add(_order(value))
    named = [
        invoice
        for invoice in invoices
        if invoice.number.upper() in numbers or (invoice.order_ref and _order(invoice.order_ref) in orders)
    ]
    return named or list(invoices)


def _order(text: str) -> str:
    """'PO 4500-123' and '4500123' are the same order."""
    return re.sub(r"[^0-9A-Z]", "", text.upper()).removeprefix("PO")


def _is_open(invoice: Invoice) -> bool:
    return not invoice.cancelled and invoice.paid_amount < invoice.amount


def companies_of(session: Session, customers: Iterable[Customer]) -> dict[int, list[int]]:
    """Everyone at each customer's company: the same mail domain, unless it is free mail."""
    shared = {c.domain for c in customers if company_for(c.domain)}
    by_domain: dict[str, list[int]] = {}
    if shared:
        for id, domain in session.execute(
            select(Customer.id, Customer.domain).where(Customer.domain.in_(shared))
        ):
            by_domain.setdefault(domain, []).append(id)
    return {c.id: by_domain.get(c.domain, [c.id]) for c in customers}


def _customers(session: Session, ids: Iterable[int]) -> list[Customer]:
    return list(session.scalars(select(Customer).where(Customer.id.in_(set(ids)))))


def hold_for_message(
    session: Session,
    company: Collection[int],
    message: Mapping[str, Any],
    now: datetime,
    only: Collection[int] | None = None,
) -> list[str]:
    """Hold what a buyer's message holds among the company's open invoices (`only`: of these ids)."""
    # Dated by arrival at our server: the buyer's Date header can say anything.
    when = message.get("arrived_at") or message["at"]
    why = hold_reason(message.get("tags") or (), message.get("message_id") or "", when)
    if not why:
        return []
    references = message.get("trade_refs") or ()
    named = {str(ref.get("value", "")) for ref in references}
    # A named invoice that is paid or cancelled still decides: "we paid INV-1" holds nothing else.
    candidates = session.scalars(
        select(Invoice)
        .where(Invoice.customer_id.in_(company))
        .where(
            or_(
                Invoice.number.in_(named | {value.upper() for value in named}),
                Invoice.cancelled.is_(False) & (Invoice.paid_amount < Invoice.amount),
            )
        )
        .order_by(Invoice.id)
    )
    held = [
        invoice
        for invoice in held_by(list(candidates), references)
        if _is_open(invoice) and (only is None or invoice.id in only)
    ]
    hold_invoices(session, held, why, now)
    return [invoice.number for invoice in held]


def hold_invoices(session: Session, invoices: Iterable[Invoice], why: str, now: datetime) -> None:
    numbers = []
    for invoice in invoices:
        numbers.append(invoice.number)
        if not invoice.hold:  # the first message's reason stays: it is the one a person checks
            invoice.hold = why
            audit.info("invoice %s: reminders held: %s", invoice.number, why)
    cancel_reminders(session, numbers, why, now)


def cancel_reminders(session: Session, numbers: Iterable[str], why: str, now: datetime) -> int:
    """Cancel the invoices' reminder drafts that wait (for review, or approved and not yet taken)."""
    keys = [Draft.idempotency_key.startswith(f"reminder:{number}:", autoescape=True) for number in numbers]
    return cancel_waiting(session, or_(*keys), why, now) if keys else 0


def hold_from_recent_messages(
    session: Session, invoices: Sequence[Invoice], since: datetime, now: datetime
) -> list[str]:
    """Newly imported invoices, held by what their buyers wrote since `since`, as if they had existed."""
    if not invoices:
        return []
    session.flush()  # the new invoices get their ids and are seen by the queries below
    companies = companies_of(session, _customers(session, {invoice.customer_id for invoice in invoices}))
    new_by_company: dict[tuple[int, ...], set[int]] = {}
    for invoice in invoices:
        company = tuple(sorted(companies[invoice.customer_id]))
        new_by_company.setdefault(company, set()).add(invoice.id)
    writers = {id for company in new_by_company for id in company}
    messages = session.execute(
        select(
            Contact.customer_id,
            Contact.message_id,
            Contact.at,
            Contact.arrived_at,
            Contact.tags,
            Contact.trade_refs,
        )
        .where(Contact.direction == "in", Contact.customer_id.in_(writers))
        # By arrival at our server (the buyer's Date header can say anything), history included: the
        # window is the operator's measure of what is still unsettled.
        .where(func.coalesce(Contact.arrived_at, Contact.at) >= since)
        .order_by(Contact.at, Contact.id)
    )
    held: list[str] = []
    for message in messages:
        if not HOLDING.keys() & set(message.tags or ()):
            continue
        for company, new in new_by_company.items():
            if message.customer_id in company:
                held += hold_for_message(session, company, message._asdict(), now, only=new)
    return sorted(set(held))


def reminder_invoice(key: str) -> str:
    """'reminder:INV-7:+0' -> 'INV-7'; '' for any other draft's key."""
    return key.removeprefix("reminder:").rpartition(":")[0] if key.startswith("reminder:") else ""


def reminder_refusal(session: Session, key: str) -> str:
    """Why a reminder may not be approved now ("" = it may): its invoice is paid, cancelled or held."""
    number = reminder_invoice(key)
    invoice = session.scalar(select(Invoice).where(Invoice.number == number)) if number else None
    if invoice is None:
        return ""
    if invoice.cancelled:
        return f"invoice {number} is cancelled: no reminder for it"
    if invoice.paid_amount >= invoice.amount:
        return f"invoice {number} is paid"
    if invoice.hold:
        return f"invoice {number} is held ({invoice.hold}); once checked: mailflow invoices resume {number}"
    return ""


def buyer_wrote(session: Session, number: str) -> dict[str, Any] | None:
    """The latest message since the invoice was issued in which its buyer says they paid (or part,
    or asks for time, or disputes it): what a reviewer of its reminder should know."""
    invoice = session.scalar(select(Invoice).where(Invoice.number == number))
    if invoice is None:
        return None
    company = companies_of(session, _customers(session, [invoice.customer_id]))[invoice.customer_id]
    invoices = list(
        session.scalars(select(Invoice).where(Invoice.customer_id.in_(company), Invoice.cancelled.is_(False)))
    )
    # By arrival at our server, like every other look at the buyer's mail here: a wrong clock's
    # Date header would hide the message, or date it wrongly for the reviewer.
    arrived = func.coalesce(Contact.arrived_at, Contact.at, type_=Contact.at.type)
    messages = session.execute(
        select(Contact.message_id, arrived, Contact.tags, Contact.trade_refs)
        .where(Contact.direction == "in", Contact.customer_id.in_(company))
        .where(arrived >= datetime.combine(invoice.issued, time(), UTC))
        .order_by(arrived.desc(), Contact.id.desc())
    )
    for message_id, at, tags, references in messages:
        kinds = [kind for kind in WROTE if kind in (tags or ())]
        if kinds and invoice in held_by(invoices, references or ()):
            said = " and ".join(WROTE[kind] for kind in kinds)
            return {
                "at": at,
                "kinds": kinds,
                "message_id": message_id,
                "text": f"the buyer wrote on {at.date().isoformat()} {said} <{message_id}>",
            }
    return None
