"""What a buyer's message changes in the schedule, written in the same transaction that logs it.

SQL, kept apart from the pure stages. A message from anyone at the
customer's company cancels the follow-ups that wait (they asked for an answer,
and here it is). "We have paid", "part of it", "more time, please" or a
dispute hold the reminders of the customer's open invoices and flag them for
a person (`mailflow invoices paid` or `invoices resume` clears the hold); a
message that names one of the invoices holds only that one (the rule is
ledger/payment_holds', which an invoice import applies too). "Unsubscribe" (or
退订) opts the sender out of the updates. Automatic mail (out-of-office,
delivery reports) changes nothing, and neither does old mail read on a
mailbox's first sync.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mailflow.ledger.payment_holds import HOLDING, companies_of, hold_for_message
from mailflow.store.models import Customer, Draft
from mailflow.store.waiting_drafts import cancel_waiting

audit = logging.getLogger("mailflow.audit")


def react(session: Session, contacts: Sequence[dict[str, Any]], now: datetime) -> None:
    """`contacts`: the rows just logged (with customer_id set); only the buyers' own, recent mail counts."""
    recent = [
        contact
        for contact in contacts
        if contact["direction"] == "in"
        and contact.get("customer_id")
        # A mailbox's history (there before the first sync, or arrived before the window):
        # its "we have paid" is long settled. Judged by arrival, not the buyer's Date header.
        and not contact.get("history")
    ]
    # A robot answers nothing, but a remittance advice from the buyer's accounting system
    # (automatic, tagged payment:paid) still holds the reminders.
    heard = [c for c in recent if not c.get("automatic") or HOLDING.keys() & set(c.get("tags") or ())]
    if not heard:
        return
    customers = {
        c.id: c
        for c in session.scalars(select(Customer).where(Customer.id.in_({c["customer_id"] for c in heard})))
    }
    companies = companies_of(session, customers.values())
    people = {c["customer_id"] for c in heard if not c.get("automatic")}
    answered = sorted({id for customer in customers.values() if customer.id in people
                       for id in companies[customer.id]})  # fmt: skip
    _cancel(session, answered, ("followup",), "the customer wrote", now)
    for contact in heard:
        customer = customers[contact["customer_id"]]
        mid = contact.get("message_id") or "?"
        tags = set(contact.get("tags") or ())
        # The rule an invoice import applies too, to payment messages that came before the invoice.
        hold_for_message(session, companies[customer.id], contact, now)
        if "request:unsubscribe" in tags and not contact.get("automatic") and not customer.opted_out:
            customer.opted_out = True
            _cancel(session, [customer.id], ("update",), f"the customer unsubscribed <{mid}>", now)
            audit.info("<%s> %s unsubscribed from the updates", mid, customer.email)


def _cancel(
    session: Session, customer_ids: list[int], kinds: tuple[str, ...], why: str, now: datetime
) -> None:
    cancel_waiting(session, Draft.customer_id.in_(customer_ids) & Draft.kind.in_(kinds), why, now)
