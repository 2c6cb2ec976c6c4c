"""What `mailflow report` (and the overview page) reads: plain rows, figures computed by report_figures.

Part of the store's readers, like review/queries: the callers never hold a session. The
overview page takes every figure from one session in six statements (`page`), the
commands each theirs; both count the same way, so the page and the CLI agree.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy import case as when

from mailflow.config.rules import SEVERITY_ORDER
from mailflow.ledger.business_hours import Place
from mailflow.ledger.customer_classes import abc_classes
from mailflow.review.report_figures import (
    CaseTimes,
    Period,
    ageing_rows,
    as_of,
    complaint_rows,
    hours,
    local_day,
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

# Highest first, as the pages show them.
SEVERITIES = tuple(sorted(SEVERITY_ORDER, key=SEVERITY_ORDER.__getitem__, reverse=True))
# When the buyer's message reached our server (its Date header only for rows without one): the
# buyer's clock can say anything. Our own messages and notes keep their time (`at`). The lists
# (review/lists, review/customer_list) count from the same moments, so a number on the overview
# and the list behind it agree.
RECEIVED = func.coalesce(Contact.arrived_at, Contact.at)
MOMENT = when((Contact.direction == "in", RECEIVED), else_=Contact.at)
OPEN_INVOICE = and_(Invoice.cancelled.is_(False), Invoice.paid_amount < Invoice.amount)


def answer_times(*conditions: Any) -> Select[int | None, Any, Any]:
    """Each case's first buyer message (when it reached us) and our first answer, of the cases the
    conditions on the contacts keep."""
    return (
        select(
            Contact.case_id,
            func.min(when((Contact.direction == "in", RECEIVED))).label("first_in"),
            func.min(when((Contact.direction == "out", Contact.at))).label("first_out"),
        )
        .where(Contact.case_id.is_not(None), *conditions)
        .group_by(Contact.case_id)
    )


@dataclass(frozen=True)
class OverviewFigures:
    """Everything the overview page shows, each part in its `mailflow report` shape."""

    counts: dict[str, Any]  # report overview
    response_times: list[dict[str, Any]]
    complaints: dict[str, Any]
    ageing: list[dict[str, Any]]
    neglected: list[dict[str, Any]]
    customer_ids: dict[str, int]  # address -> id, for the links to the customers' pages


class ReportQueries:
    def __init__(self, store: Store, default_timezone: str = "UTC") -> None:
        self.sessions = store.sessions
        self.default_timezone = default_timezone  # schedule.default_timezone: for customers without one

    def page(
        self, period: Period, now: datetime, cadence: dict[str, str], target_days: int, on: date | None
    ) -> OverviewFigures:
        """The overview page's figures: counts at `now`, weeks of `period`, ageing and neglect on the day
        `on` (None: now, each invoice on its customer's own date)."""
        with self.sessions() as session:
            cases = self._case_times(session, since=period.start)
            counts = self._counts(session, now, [case for case in cases if case.open])
            ageing = self._ageing(session, on, now)
            neglected, ids = self._neglected(session, cadence, *as_of(now, on))
        ids.update({case.customer: case.customer_id for case in cases})
        return OverviewFigures(
            counts,
            response_rows(cases, period, target_days),
            complaint_rows(cases, period),
            ageing,
            neglected,
            ids,
        )

    def overview(self, now: datetime) -> dict[str, Any]:
        """What needs a person now; ages in hours at `now`."""
        with self.sessions() as session:
            return self._counts(session, now, self._case_times(session, open_only=True))

    def ageing(self, on: date | None = None, now: datetime | None = None) -> list[dict[str, Any]]:
        """Open balances per currency and bucket of days past due on `on`; without a day, on each
        customer's own date at `now` (an invoice is a day later at the customer's midnight)."""
        with self.sessions() as session:
            return self._ageing(session, on, now or datetime.now(UTC))

    def response_times(self, period: Period, target_days: int = 1) -> list[dict[str, Any]]:
        with self.sessions() as session:
            return response_rows(self._case_times(session, since=period.start), period, target_days)

    def complaints(self, period: Period) -> dict[str, Any]:
        with self.sessions() as session:
            return complaint_rows(self._case_times(session, since=period.start), period)

    def neglected(self, cadence: dict[str, str], on: date, until: datetime) -> list[dict[str, Any]]:
        """Listed customers without a contact (in, out or manual) before `until` within their cadence."""
        return self.neglected_with_ids(cadence, on, until)[0]

    def neglected_with_ids(
        self, cadence: dict[str, str], on: date, until: datetime
    ) -> tuple[list[dict[str, Any]], dict[str, int]]:
        """The neglected rows, and every listed customer's id by address (for the customers list)."""
        with self.sessions() as session:
            return self._neglected(session, cadence, on, until)

    def _counts(self, session: Any, now: datetime, open_cases: list[CaseTimes]) -> dict[str, Any]:
        waiting, oldest_draft = session.execute(
            select(func.count(Draft.id), func.min(Draft.created_at)).where(Draft.status == "pending_review")
        ).one()
        by_severity = Counter(case.severity for case in open_cases)  # read with their times, not again
        unanswered = [case.first_in for case in open_cases if case.first_out is None]
        held = session.scalar(select(func.count(Invoice.id)).where(OPEN_INVOICE, Invoice.hold != ""))
        # Two counts in one statement: the overview page's budget of statements (bench/overview.py).
        bounced, on_hold = session.execute(
            select(
                select(func.count())
                .select_from(BouncedAddress)
                .where(BouncedAddress.cleared_at.is_(None))
                .scalar_subquery(),
                select(func.count(Customer.id))
                .where(Customer.credit_hold_since.is_not(None))
                .scalar_subquery(),
            )
        ).one()
        return {
            "drafts_waiting": waiting,
            "oldest_draft_hours": hours(oldest_draft, now) if oldest_draft else None,
            "open_cases": {severity: by_severity.get(severity, 0) for severity in SEVERITIES},
            "unanswered_complaints": len(unanswered),
            "oldest_unanswered_hours": hours(min(unanswered), now) if unanswered else None,
            "held_invoices": held,
            "bounced_addresses": bounced,
            "customers_on_credit_hold": on_hold,
        }

    def _ageing(self, session: Any, on: date | None, now: datetime) -> list[dict[str, Any]]:
        # Summed per currency, due day and time zone in SQL: 30,000 open invoices share a few
        # hundred due days and a handful of zones, and the bucket depends on nothing else.
        query = (
            select(
                Invoice.currency,
                func.sum(Invoice.amount - Invoice.paid_amount),
                func.count(Invoice.id),
                Invoice.due,
                Customer.timezone,
            )
            .join(Customer, Invoice.customer_id == Customer.id)
            .where(OPEN_INVOICE)
            .group_by(Invoice.currency, Invoice.due, Customer.timezone)
        )
        return ageing_rows(
            (currency, balance, count, due, on or local_day(now, timezone or self.default_timezone))
            for currency, balance, count, due, timezone in session.execute(query)
        )

    def _neglected(
        self, session: Any, cadence: dict[str, str], on: date, until: datetime
    ) -> tuple[list[dict[str, Any]], dict[str, int]]:
        """The neglected customers' rows, and every listed customer's id by address."""
        last_contact = (
            select(Contact.customer_id, func.max(MOMENT).label("last"))
            .where(Contact.customer_id.is_not(None), until > MOMENT)
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
        # Plain tuples through the session's connection: for every listed customer (thousands), the
        # ORM's result machinery cost more than the statement.
        rows = [tuple(row) for row in session.connection().execute(query)]
        # Unset classes come from sales among the listed customers, as the weekly updates count them.
        computed = abc_classes({customer_id: sales for customer_id, _, _, sales, _ in rows})
        found = neglected_rows(
            ((email, klass or computed[customer_id], last) for customer_id, email, klass, _, last in rows),
            cadence,
            on,
        )
        return found, {email: customer_id for customer_id, email, *_ in rows}

    def _case_times(
        self, session: Any, open_only: bool = False, since: datetime | None = None
    ) -> list[CaseTimes]:
        """Every case with the buyer's first message (the case's opening without one) and our first answer;
        with `since`, only the open ones and those whose first message came at or after it (the weeks of a
        period need no more, and a year of closed cases costs the page a tenth of a second)."""
        times = answer_times().subquery()
        query = (
            select(
                Customer.id,
                Customer.email,
                Customer.timezone,
                Customer.country,
                Case.categories,
                Case.severity,
                Case.status,
                Case.opened_at,
                times.c.first_in,
                times.c.first_out,
            )
            .join(Customer, Case.customer_id == Customer.id)
            .outerjoin(times, times.c.case_id == Case.id)
        )
        if open_only:
            query = query.where(Case.status.not_in(CLOSED_CASE_STATUSES))
        if since is not None:
            first_in = func.coalesce(times.c.first_in, Case.opened_at)
            query = query.where(or_(Case.status.not_in(CLOSED_CASE_STATUSES), first_in >= since))
        return [
            CaseTimes(
                row.email,
                tuple(row.categories or ()),
                row.first_in or row.opened_at,
                row.first_out,
                Place(row.timezone or self.default_timezone, row.country),
                row.status not in CLOSED_CASE_STATUSES,
                row.id,
                row.severity,
            )
            for row in session.execute(query)
        ]
