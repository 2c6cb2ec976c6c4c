"""The review page's lists of cases, invoices and sent or rejected mail: filtered, ordered and paged in SQL.

Part of the store's readers, like review/queries: plain dictionaries out, the callers never hold a
session. A page costs a count, the page's rows and a look-up or two for those rows alone (a case's
first message and answer, its acknowledgement; a decision's reviewer); `page=None` gives the whole
filtered list for a download. The customers' list is review/customer_list's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Date, String, cast, func, literal, select
from sqlalchemy import case as when
from sqlalchemy.orm import Session

from mailflow.inbound.case_states import PROMISED, STATES, ack_key
from mailflow.review.case_views import case_overdue, solution_due
from mailflow.review.list_sql import IN_LIMIT, Page, contains_any, page_of
from mailflow.review.queries import SEVERITY_RANK
from mailflow.review.report_figures import BUCKET_DAYS, local_day
from mailflow.review.reports import OPEN_INVOICE, RECEIVED, answer_times
from mailflow.store.engine import Store
from mailflow.store.models import (
    CLOSED_CASE_STATUSES,
    Case,
    Contact,
    Customer,
    Draft,
    DraftEvent,
    Invoice,
    Reviewer,
)

# "open": every state not closed (inbound/case_states); the others one state each.
# The workflow's states but withdrawn (retagged: no complaint), and two views across them.
CASE_STATUSES = (*(state for state in STATES if state != "withdrawn"), "unanswered", "all")
INVOICE_STATES = ("open", "overdue", "held", "paid", "all")
MAIL_STATUSES = ("sent", "rejected")
NO_OWNER = "none"  # ?owner=none: the cases nobody owns yet


@dataclass(frozen=True)
class CaseFilter:
    status: str = "open"  # open: any state before resolved or withdrawn, as the overview counts
    category: str = ""
    severity: str = ""
    customer: str = ""  # a piece of the customer's email or name
    older_than_days: int | None = None
    week: date | None = None  # the Monday of the ISO week of the buyer's first message
    owner: str = ""  # a reviewer's name, or NO_OWNER
    overdue: bool = False  # only cases whose agreed solution is past its due date (review/case_views)


@dataclass(frozen=True)
class InvoiceFilter:
    state: str = "open"
    currency: str = ""
    bucket: str = ""
    customer: str = ""


class ListQueries:
    def __init__(self, store: Store, default_timezone: str) -> None:
        self.sessions = store.sessions
        self.default_timezone = default_timezone

    def cases(self, chosen: CaseFilter, now: datetime, page: int | None = 1) -> Page:
        """Complaint cases, high severity first; within one, the newest case first (unanswered: the oldest).

        The order and the count read the cases table alone; the buyer's first message and our first
        answer are read for the page's cases only, unless a filter on them (age, week) needs them all.
        Each row says whether its solution is overdue by review/case_views' rule, from its own columns.
        """
        query = select(
            Case.id, Case.subject, Case.severity, Case.status, Case.categories, Case.customer_id, Case.opened_at,
            Case.owner, Case.responsibility, Case.solution_kind, Case.solution_amount, Case.solution_currency,
            Case.solution_due, Customer.email.label("customer"), Customer.name.label("customer_name"),
            Customer.timezone,
        ).join(Customer, Case.customer_id == Customer.id)  # fmt: skip
        if chosen.status in ("open", "unanswered"):
            query = query.where(Case.status.not_in(CLOSED_CASE_STATUSES))
        elif chosen.status != "all":
            query = query.where(Case.status == chosen.status)
        if chosen.status == "unanswered":
            query = query.where(~_contact_of_case("out").exists())
        if chosen.severity:
            query = query.where(Case.severity == chosen.severity)
        if chosen.owner:
            query = query.where(Case.owner == ("" if chosen.owner == NO_OWNER else chosen.owner))
        if chosen.category:  # categories are a JSON list of plain words: '["quality", "shipping"]'
            query = query.where(cast(Case.categories, String).contains(f'"{chosen.category}"'))
        # A case opened without a buyer's message in the log counts from its opening, as in the reports.
        first_in = func.coalesce(_contact_of_case("in", func.min(RECEIVED)).scalar_subquery(), Case.opened_at)
        if chosen.older_than_days is not None:
            query = query.where(first_in < now - timedelta(days=chosen.older_than_days))
        if chosen.week is not None:
            monday = datetime.combine(chosen.week, datetime.min.time(), UTC)
            query = query.where(first_in >= monday, first_in < monday + timedelta(weeks=1))
        opened = Case.opened_at.asc() if chosen.status == "unanswered" else Case.opened_at.desc()
        query = query.order_by(SEVERITY_RANK, opened, Case.id.desc())
        with self.sessions() as session:
            if chosen.customer:
                query = query.where(_customer_holds(session, chosen.customer))
            if chosen.overdue:
                query = query.where(*_overdue_solution(self._local_days(session, now)))
            rows, total, number = page_of(session, query, page)
            found = [row._asdict() for row in rows]
            case_ids = [row["id"] for row in found]
            times, answers = _case_times(session, case_ids), acknowledgements(session, case_ids)
        for row in found:
            first_message, first_answer = times.get(row["id"], (None, None))
            row["first_in"], row["first_out"] = first_message or row["opened_at"], first_answer
            row["categories"] = list(row["categories"] or ())
            row["draft_id"] = answers.get(row["id"])
            row["due"] = solution_due(row["solution_kind"], row.pop("solution_due"))
            zone = row.pop("timezone") or self.default_timezone
            row["overdue"] = case_overdue(row["status"], row["due"], zone, now)
        return Page(found, total, number)

    def case_owners(self) -> list[str]:
        """The names ?owner= may take: the reviewers, and whoever still owns a case (a removed
        reviewer's cases stay theirs until someone takes them); one statement."""
        reviewers = select(Reviewer.username.label("name")).where(Reviewer.removed_at.is_(None))
        owners = select(Case.owner.label("name")).where(Case.owner != "")
        with self.sessions() as session:
            return sorted(set(session.scalars(reviewers.union(owners))))

    def invoices(self, chosen: InvoiceFilter, now: datetime, page: int | None = 1) -> Page:
        """Invoices, the longest overdue first (paid ones: the latest paid first); days past due are
        counted on the date it is now in the customer's time zone."""
        query = select(
            Invoice.id,
            Invoice.number,
            Invoice.amount,
            Invoice.currency,
            Invoice.due,
            (Invoice.amount - Invoice.paid_amount).label("balance"),
            Invoice.hold,
            Invoice.cancelled,
            Invoice.customer_id,
            Customer.email.label("customer"),
            Customer.name.label("customer_name"),
            Customer.timezone,
        ).join(Customer, Invoice.customer_id == Customer.id)
        with self.sessions() as session:
            today = self._local_days(session, now)
            query = query.where(*self._invoice_conditions(session, chosen, today))
            if chosen.state == "paid":
                query = query.order_by(Invoice.paid_on.desc().nulls_last(), Invoice.id.desc())
            else:
                query = query.order_by(Invoice.due, Invoice.id)
            rows, total, number = page_of(session, query, page)
        found = []
        for row in rows:
            item = row._asdict()
            local_today = today.get(item.pop("timezone"), today[""])
            item["days_past_due"] = (local_today - item["due"]).days
            found.append(item)
        return Page(found, total, number)

    def sent_mail(self, status: str, page: int | None = 1) -> Page:
        """Drafts that were sent (newest first) or rejected (the latest rejection first), with who decided."""
        query = select(
            Draft.id,
            Draft.kind,
            Draft.subject,
            Draft.to_addrs,
            Draft.sent_at,
            Draft.updated_at,
            Draft.customer_id,
        ).where(Draft.status == status)
        if status == "sent":
            query = query.order_by(Draft.sent_at.desc(), Draft.id.desc())
        else:
            query = query.order_by(Draft.updated_at.desc(), Draft.id.desc())
        decision = "approved" if status == "sent" else "rejected"
        with self.sessions() as session:
            rows, total, number = page_of(session, query, page)
            found = [row._asdict() for row in rows]
            events = session.execute(
                select(DraftEvent.draft_id, DraftEvent.actor, DraftEvent.detail, DraftEvent.at)
                .where(DraftEvent.draft_id.in_([row["id"] for row in found]), DraftEvent.action == decision)
                .order_by(DraftEvent.id)
            ).all()
        latest = {event.draft_id: event for event in events}  # a later decision replaces an earlier one
        for row in found:
            event = latest.get(row["id"])
            row["to"] = ", ".join(row.pop("to_addrs") or ())
            row["decided_by"] = event.actor if event else ""
            row["reason"] = event.detail if event and decision == "rejected" else ""
            row["decided_at"] = event.at if event else row["updated_at"]
        return Page(found, total, number)

    def _local_days(self, session: Session, now: datetime) -> dict[str, date]:
        """Today's date in each time zone the customers have, as the ageing report counts it; ""
        (no zone given): the default one."""
        zones = session.scalars(select(Customer.timezone).distinct()).all()
        return {zone: local_day(now, zone or self.default_timezone) for zone in {"", *zones}}

    def _invoice_conditions(
        self, session: Session, chosen: InvoiceFilter, today: dict[str, date]
    ) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if chosen.state in ("open", "overdue", "held"):
            conditions.append(OPEN_INVOICE)
        if chosen.state == "overdue":
            conditions.append(Invoice.due < _local_day(today, 0))
        elif chosen.state == "held":
            conditions.append(Invoice.hold != "")
        elif chosen.state == "paid":
            conditions += [Invoice.cancelled.is_(False), Invoice.paid_amount >= Invoice.amount]
        if chosen.currency:
            conditions.append(Invoice.currency == chosen.currency)
        if chosen.bucket:
            fewest, most = BUCKET_DAYS[chosen.bucket]
            if fewest is not None:  # at least `fewest` days past due: due on or before today - fewest
                conditions.append(Invoice.due <= _local_day(today, fewest))
            if most is not None:
                conditions.append(Invoice.due >= _local_day(today, most))
        if chosen.customer:
            conditions.append(_customer_holds(session, chosen.customer))
        return conditions


def _local_day(today: dict[str, date], days_back: int) -> ColumnElement[Any]:
    """The date `days_back` days before today in each invoice's customer's zone, as SQL."""
    days = {zone: day - timedelta(days=days_back) for zone, day in today.items()}
    if len(set(days.values())) == 1:  # every zone on the same date: one value, and the due index works
        return literal(days[""], Date)
    return when(
        {zone: literal(day, Date) for zone, day in days.items()},
        value=Customer.timezone,
        else_=literal(days[""], Date),
    )


def _overdue_solution(today: dict[str, date]) -> list[ColumnElement[bool]]:
    """inbound/case_states.overdue in SQL, for the filter: a solution agreed or being carried out
    (PROMISED) whose due day is over on the buyer's calendar; the rows' marks use the rule itself."""
    return [Case.status.in_(PROMISED), Case.solution_kind != "", Case.solution_due < _local_day(today, 0)]


def _contact_of_case(direction: str, column: Any = None) -> Any:
    """The case's contacts of one direction (`column` of them, or the rows), correlated to Case."""
    query = select(column) if column is not None else select(Contact.id)
    return query.where(Contact.case_id == Case.id, Contact.direction == direction).correlate(Case)


def _case_times(session: Session, case_ids: list[int]) -> dict[int, tuple[datetime | None, datetime | None]]:
    """Each case's first buyer message (when it reached us) and our first answer."""
    if not case_ids:
        return {}
    cases = [Contact.case_id.in_(case_ids)] if len(case_ids) <= IN_LIMIT else []
    found = session.execute(answer_times(*cases))
    return {case_id: (first_in, first_out) for case_id, first_in, first_out in found}


def _customer_holds(session: Session, text: str) -> ColumnElement[bool]:
    return contains_any(session, text, Customer.email, Customer.name)


def acknowledgements(session: Session, case_ids: list[int]) -> dict[int, int]:
    """Each case's first acknowledgement draft, by its idempotency key (inbound/case_states.ack_key)."""
    if not case_ids:
        return {}
    keys = {ack_key(case_id, 0): case_id for case_id in case_ids}
    found = session.execute(select(Draft.idempotency_key, Draft.id).where(Draft.idempotency_key.in_(keys)))
    return {keys[key]: draft_id for key, draft_id in found}
