"""What a buyer's message changes in the schedule, written in the same transaction that logs it.

SQL, kept apart from the pure stages. A message from anyone at the
customer's company cancels the follow-ups that wait (they asked for an answer,
and here it is). "We have paid", "part of it", "more time, please" or a
dispute hold the reminders of the customer's open invoices and flag them for
a person (`mailflow invoices paid` or `invoices resume` clears the hold); a
message that names one of the invoices holds only that one. "Unsubscribe" (or
退订) opts the sender out of the updates. Automatic mail (out-of-office,
delivery reports) changes nothing, and neither does old mail read on a
mailbox's first sync.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mailflow.ledger.companies import company_for
from mailflow.store.models import Customer, Draft, DraftEvent, Invoice

audit = logging.getLogger("mailflow.audit")

_HOLDING = {
    "payment:paid": "the buyer says they paid",
    "payment:partial": "the buyer says they paid part",
    "payment:extension": "the buyer asks for more time",
    "payment:dispute": "the buyer disputes the payment",
}
_WAITING = ("pending_review", "approved")
_RECENT = timedelta(days=3)


def react(session: Session, contacts: Sequence[dict[str, Any]], now: datetime) -> None:
    """`contacts`: the rows just logged (with customer_id set); only the buyers' own, recent mail counts."""
    recent = [
        contact
        for contact in contacts
        if contact["direction"] == "in"
        and contact.get("customer_id")
        # A mailbox's history, read on the first sync: its "we have paid" is long settled.
        and contact["at"] >= now - _RECENT
    ]
    # A robot answers nothing, but a remittance advice from the buyer's accounting system
    # (automatic, tagged payment:paid) still holds the reminders.
    heard = [c for c in recent if not c.get("automatic") or _HOLDING.keys() & set(c.get("tags") or ())]
    if not heard:
        return
    customers = {
        c.id: c
        for c in session.scalars(select(Customer).where(Customer.id.in_({c["customer_id"] for c in heard})))
    }
    companies = _companies(session, customers.values())
    people = {c["customer_id"] for c in heard if not c.get("automatic")}
    answered = sorted({id for customer in customers.values() if customer.id in people
                       for id in companies[customer.id]})  # fmt: skip
    _cancel(session, answered, ("followup",), "the customer wrote", now)
    for contact in heard:
        customer = customers[contact["customer_id"]]
        mid = contact.get("message_id") or "?"
        tags = set(contact.get("tags") or ())
        reasons = [why for tag, why in _HOLDING.items() if tag in tags]
        if reasons:
            why = f"{'; '.join(reasons)} <{mid}> on {now.date().isoformat()}"
            _hold(session, companies[customer.id], contact, why, now)
        if "request:unsubscribe" in tags and not contact.get("automatic") and not customer.opted_out:
            customer.opted_out = True
            _cancel(session, [customer.id], ("update",), f"the customer unsubscribed <{mid}>", now)
            audit.info("<%s> %s unsubscribed from the updates", mid, customer.email)


def _companies(session: Session, customers: Iterable[Customer]) -> dict[int, list[int]]:
    """Everyone at each customer's company: the same mail domain, unless it is free mail."""
    shared = {c.domain for c in customers if company_for(c.domain)}
    by_domain: dict[str, list[int]] = {}
    if shared:
        for id, domain in session.execute(
            select(Customer.id, Customer.domain).where(Customer.domain.in_(shared))
        ):
            by_domain.setdefault(domain, []).append(id)
    return {c.id: by_domain.get(c.domain, [c.id]) for c in customers}


def _cancel(
    session: Session, customer_ids: list[int], kinds: tuple[str, ...], why: str, now: datetime
) -> None:
    ids = list(
        session.scalars(
            update(Draft)
            .where(Draft.customer_id.in_(customer_ids), Draft.kind.in_(kinds), Draft.status.in_(_WAITING))
            .values(status="cancelled", updated_at=now)
            .returning(Draft.id)
        )
    )
    for draft_id in ids:
        session.add(DraftEvent(draft_id=draft_id, at=now, actor="mailflow", action="cancelled", detail=why))
        audit.info("draft %s cancelled: %s", draft_id, why)


def _hold(session: Session, company: list[int], contact: dict[str, Any], why: str, now: datetime) -> None:
    query = select(Invoice).where(
        Invoice.customer_id.in_(company), Invoice.cancelled.is_(False), Invoice.paid_amount < Invoice.amount
    )
    invoices = list(session.scalars(query))
    named = {ref.get("value", "").upper() for ref in contact.get("trade_refs") or ()}
    mentioned = [invoice for invoice in invoices if invoice.number.upper() in named]
    for invoice in mentioned or invoices:
        if not invoice.hold:
            invoice.hold = why
            audit.info("invoice %s: reminders held: %s", invoice.number, why)
        prefix = f"reminder:{invoice.number}:"
        waiting = list(
            session.scalars(
                update(Draft)
                .where(Draft.idempotency_key.startswith(prefix, autoescape=True), Draft.status.in_(_WAITING))
                .values(status="cancelled", updated_at=now)
                .returning(Draft.id)
            )
        )
        for draft_id in waiting:
            session.add(
                DraftEvent(draft_id=draft_id, at=now, actor="mailflow", action="cancelled", detail=why)
            )
