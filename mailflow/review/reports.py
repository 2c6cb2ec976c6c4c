"""What `mailflow report` (and the overview page) reads: plain rows, figures computed by report_figures.

Part of the store's readers, like review/queries: the callers never hold a session.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy import case as when

from mailflow.ledger.customer_classes import abc_classes
from mailflow.review.report_figures import (
    CaseTimes,
    Period,
    ageing_rows,
    complaint_rows,
    hours,
    neglected_rows,
    response_rows,
)
from mailflow.store.engine import Store
from mailflow.store.models import (
    CLOSED_CASE_STATUSES,
    BouncedAddress,
    Case,
    Contact,
    Customer,
    Draft,
    Invoice,
)

SEVERITIES = ("high", "medium", "low")
# When the buyer's message reached our server (its Date header only for rows without one): the
# buyer's clock can say anything. Our own messages and notes keep their time (`at`).
_RECEIVED = func.coalesce(Contact.arrived_at, Contact.at)
_MOMENT = when((Contact.direction == "in", _RECEIVED), else_=Contact.at)
_OPEN_INVOICE = and_(Invoice.cancelled.is_(False), Invoice.paid_amount < Invoice.amount)


class ReportQueries:
    def __init__(self, store: Store) -> None:
        self.sessions = store.sessions

    def overview(self, now: datetime) -> dict[str, Any]:
        """What needs a person now; ages in hours at `now`."""
        with self.sessions() as session:
            waiting, oldest_draft = session.execute(
                select(func.count(Draft.id), func.min(Draft.created_at)).where(
                    Draft.status == "pending_review"
                )
            ).one()
            by_severity = dict(
                session.execute(
                    select(Case.severity, func.count(Case.id))
                    .where(Case.status.not_in(CLOSED_CASE_STATUSES))
                    .group_by(Case.severity)
                ).all()
            )
            unanswered = [
                case.first_in for case in self._case_times(session, open_only=True) if case.first_out is None
            ]
            held = session.scalar(select(func.count(Invoice.id)).where(_OPEN_INVOICE, Invoice.hold != ""))
            bounced = session.scalar(
                select(func.count()).select_from(BouncedAddress).where(BouncedAddress.cleared_at.is_(None))
            )
        return {
            "drafts_waiting": waiting,
            "oldest_draft_hours": hours(oldest_draft, now) if oldest_draft else None,
            "open_cases": {severity: by_severity.get(severity, 0) for severity in SEVERITIES},
            "unanswered_complaints": len(unanswered),
            "oldest_unanswered_hours": hours(min(unanswered), now) if unanswered else None,
            "held_invoices": held,
            "bounced_addresses": bounced,
        }

    def ageing(self, on: date) -> list[dict[str, Any]]:
        """Open balances per currency and bucket of days past due on `on`."""
        query = select(Invoice.currency, Invoice.amount - Invoice.paid_amount, Invoice.due).where(
            _OPEN_INVOICE
        )
        with self.sessions() as session:
            return ageing_rows(session.execute(query).all(), on)

    def response_times(self, period: Period) -> list[dict[str, Any]]:
        with self.sessions() as session:
            return response_rows(self._case_times(session), period)

    def complaints(self, period: Period) -> dict[str, Any]:
        with self.sessions() as session:
            return complaint_rows(self._case_times(session), period)

    def neglected(self, cadence: dict[str, str], on: date, until: datetime) -> list[dict[str, Any]]:
        """Listed customers without a contact (in, out or manual) before `until` within their cadence."""
        last_contact = (
            select(Contact.customer_id, func.max(_MOMENT).label("last"))
            .where(Contact.customer_id.is_not(None), until > _MOMENT)
            .group_by(Contact.customer_id)
            .subquery()
        )
        query = (
            select(
                Customer.id, Customer.email, Customer.class_set, Customer.annual_sales, last_contact.c.last
            )
            .outerjoin(last_contact, last_contact.c.customer_id == Customer.id)
            .where(Customer.listed.is_(True))
        )
        with self.sessions() as session:
            rows = session.execute(query).all()
        # Unset classes come from sales among the listed customers, as the weekly updates count them.
        computed = abc_classes({row.id: row.annual_sales for row in rows})
        return neglected_rows(
            ((row.email, row.class_set or computed[row.id], row.last) for row in rows), cadence, on
        )

    def _case_times(self, session: Any, open_only: bool = False) -> list[CaseTimes]:
        """Every case with the buyer's first message (the case's opening without one) and our first answer."""
        times = (
            select(
                Contact.case_id,
                func.min(when((Contact.direction == "in", _RECEIVED))).label("first_in"),
                func.min(when((Contact.direction == "out", Contact.at))).label("first_out"),
            )
            .where(Contact.case_id.is_not(None))
            .group_by(Contact.case_id)
            .subquery()
        )
        query = (
            select(Customer.email, Case.categories, Case.opened_at, times.c.first_in, times.c.first_out)
            .join(Customer, Case.customer_id == Customer.id)
            .outerjoin(times, times.c.case_id == Case.id)
        )
        if open_only:
            query = query.where(Case.status.not_in(CLOSED_CASE_STATUSES))
        return [
            CaseTimes(email, tuple(categories or ()), received or opened, answered)
            for email, categories, opened, received, answered in session.execute(query)
        ]
