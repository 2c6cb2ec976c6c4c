"""Credit holds in the database: re-evaluated, stored on the customer, and their notices written. Part of the store.

The hold itself is the pure rule's (ledger/credit_holds); this reads what it
needs, keeps `customers.credit_hold_since` / `credit_hold_reason` in step and
hands each start and end to `notices`, which returns the drafts to write.
A change and its drafts commit in one transaction, so a crash between them
cannot lose a notice; every change is a conditional UPDATE on the state read,
and the drafts' keys (`hold:<customer>:start:<since>`, `...:end:<since>`) are
unique, so two processes evaluating at once notify once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from mailflow.ledger.credit_holds import CreditStanding, OpenInvoice, hold_reason
from mailflow.store.engine import Store
from mailflow.store.models import Customer, Invoice
from mailflow.store.new_drafts import insert_new_drafts

audit = logging.getLogger("mailflow.audit")

# An invoice that still counts: not cancelled, not paid in full.
_OWING = and_(Invoice.cancelled.is_(False), Invoice.paid_amount < Invoice.amount)


@dataclass(frozen=True)
class HoldChange:
    customer_id: int
    email: str
    name: str
    company: str
    started: bool  # False: the hold ended
    since: datetime  # when the hold started (for an end: the hold that ended)
    reason: str  # why it is (for an end: was) on hold
    at: datetime

    @property
    def key(self) -> str:
        """The notice's idempotency key: one per start and one per end of each hold."""
        return f"hold:{self.customer_id}:{'start' if self.started else 'end'}:{self.since.isoformat()}"


# The drafts for some changes, as drafts/rows.new_draft_row makes them ([] = no notices).
Notices = Callable[[Sequence[HoldChange]], list[dict[str, Any]]]


class CreditHolds:
    def __init__(self, store: Store) -> None:
        self.sessions = store.sessions

    def evaluate(
        self,
        now: datetime,
        after_days: int,
        default_timezone: str,
        notices: Notices | None = None,
    ) -> list[HoldChange]:
        """Re-evaluate every customer's hold; returns what started or ended.

        Two reads whatever the book's size (the open invoices, and the customers who owe or are
        held), and a write only where a hold starts, ends or its reason reads otherwise.
        """
        with self.sessions.begin() as session:
            invoices = _open_invoices(session)
            changes = []
            for row in _customers(session):
                standing = CreditStanding(
                    row.timezone or default_timezone,
                    row.credit_limit,
                    row.credit_limit_currency,
                    tuple(invoices.get(row.id, ())),
                )
                change = _apply(session, row, hold_reason(standing, now, after_days), now)
                if change is not None:
                    changes.append(change)
            rows = notices(changes) if notices and changes else []
            insert_new_drafts(session, rows, now)
        for change in changes:
            audit.info(
                "customer %s: credit hold %s (%s)",
                change.email,
                "started" if change.started else "ended",
                change.reason,
            )
        return changes


def _open_invoices(session: Session) -> dict[int, list[OpenInvoice]]:
    query = select(
        Invoice.customer_id,
        Invoice.number,
        Invoice.currency,
        Invoice.amount - Invoice.paid_amount,
        Invoice.due,
    ).where(_OWING)
    found: dict[int, list[OpenInvoice]] = defaultdict(list)
    for customer_id, number, currency, balance, due in session.execute(query):
        found[customer_id].append(OpenInvoice(number, currency, Decimal(balance), due))
    return found


def _customers(session: Session) -> Any:
    """Customers that owe something or are on hold: nobody else can start or end one."""
    query = select(
        Customer.id, Customer.email, Customer.name, Customer.company, Customer.timezone, Customer.credit_limit,
        Customer.credit_limit_currency, Customer.credit_hold_since, Customer.credit_hold_reason,
    )  # fmt: skip
    owing = select(Invoice.customer_id).where(_OWING)
    held = Customer.credit_hold_since.is_not(None)
    return session.execute(query.where(or_(held, Customer.id.in_(owing))).order_by(Customer.id))


def _apply(session: Session, row: Any, reason: str, now: datetime) -> HoldChange | None:
    """Store the hold as `reason` says; a start or an end is returned, a changed reason only stored."""
    since = row.credit_hold_since
    if bool(reason) == (since is not None):
        if reason and reason != row.credit_hold_reason:  # "31 days overdue" becomes "32 days": no notice
            session.execute(
                update(Customer)
                .where(Customer.id == row.id, Customer.credit_hold_since == since)
                .values(credit_hold_reason=reason)
            )
        return None
    if reason:
        # Whole seconds: the start and end notices' keys carry it, and every database keeps it alike.
        since = now.replace(microsecond=0)
        done = session.execute(
            update(Customer)
            .where(Customer.id == row.id, Customer.credit_hold_since.is_(None))
            .values(credit_hold_since=since, credit_hold_reason=reason)
        )
        started, at, why = True, since, reason
    else:
        done = session.execute(
            update(Customer)
            .where(Customer.id == row.id, Customer.credit_hold_since == since)
            .values(credit_hold_since=None, credit_hold_reason="")
        )
        started, at, why = False, since, row.credit_hold_reason
    if getattr(done, "rowcount", 0) != 1:
        return None  # another process changed it first; its change carries the notice
    return HoldChange(row.id, row.email, row.name, row.company, started, at, why, now)
