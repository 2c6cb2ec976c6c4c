"""Reading complaint cases with their workflow: `cases list`/`show` and the case's page (SQL).

Plain dictionaries out. A case's `due_at` is its agreed solution's due date (the day
we promised the buyer); `overdue` is true when the solution is agreed or being
carried out and that day is over in the buyer's time zone (the customer's, else
`schedule.default_timezone`), because the promise was made on their calendar.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from mailflow.inbound.case_states import Solution, overdue
from mailflow.ledger.business_hours import zone
from mailflow.store.engine import Store
from mailflow.store.models import Case, CaseEvent, CaseEvidence, Contact, Customer


class CaseViews:
    def __init__(self, store: Store, default_timezone: str) -> None:
        self.sessions = store.sessions
        self.default_timezone = default_timezone

    def cases(self, now: datetime, case_id: int | None = None) -> list[dict[str, Any]]:
        """Every case (or one), oldest first, with its owner, responsibility and solution."""
        evidence = (
            select(CaseEvidence.case_id, func.count(CaseEvidence.id).label("count"))
            .group_by(CaseEvidence.case_id)
            .subquery()
        )
        query = (
            select(Case, Customer.email, Customer.timezone, func.coalesce(evidence.c.count, 0))
            .join(Customer, Case.customer_id == Customer.id)
            .outerjoin(evidence, evidence.c.case_id == Case.id)
            .order_by(Case.id)
        )
        if case_id is not None:
            query = query.where(Case.id == case_id)
        with self.sessions() as session:
            return [
                self._case_dict(case, email, timezone, int(count), now)
                for case, email, timezone, count in session.execute(query)
            ]

    def case(self, case_id: int, now: datetime) -> dict[str, Any] | None:
        """One case with its timeline (oldest first) and its messages in and out."""
        found = self.cases(now, case_id)
        if not found:
            return None
        case = found[0]
        with self.sessions() as session:
            events = session.scalars(
                select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
            )
            case["timeline"] = [
                {
                    "at": event.at.isoformat(),
                    "actor": event.actor,
                    "action": event.action,
                    "detail": event.detail,
                }
                for event in events
            ]
            contacts = session.scalars(select(Contact).where(Contact.case_id == case_id).order_by(Contact.id))
            case["messages"] = [
                {
                    "id": contact.id,
                    "direction": contact.direction,
                    "at": contact.at.isoformat(),
                    "sender": contact.sender,
                    "subject": contact.subject,
                    "text": contact.body,
                    "tags": list(contact.tags),
                }
                for contact in contacts
            ]
        return case

    def _case_dict(
        self, case: Case, email: str, timezone: str, evidence: int, now: datetime
    ) -> dict[str, Any]:
        solution = solution_of(case).as_json() if case.solution_kind else None
        due = solution_due(case.solution_kind, case.solution_due)
        return {
            "id": case.id,
            "customer": email,
            "customer_id": case.customer_id,
            "subject": case.subject,
            "status": case.status,
            "owner": case.owner or None,
            "responsibility": case.responsibility or None,
            "solution": solution,
            "note": case.note,
            "severity": case.severity,
            "categories": list(case.categories),
            "evidence": evidence,
            "opened_at": case.opened_at.isoformat(),
            "resolved_at": case.resolved_at.isoformat() if case.resolved_at else None,
            "due_at": due.isoformat() if due else None,
            "overdue": case_overdue(case.status, due, timezone or self.default_timezone, now),
            "reopened": case.reopened,
        }


def solution_of(case: Case) -> Solution:
    """The solution the case's columns hold (kind "": none agreed)."""
    return Solution(case.solution_kind, case.solution_amount, case.solution_currency, case.solution_due)


def solution_due(kind: str, due: date | None) -> date | None:
    """The day we promised the buyer: a due date counts only with an agreed solution."""
    return due if kind else None


def case_overdue(status: str, due: date | None, timezone: str, now: datetime) -> bool:
    """The case's solution is overdue on the buyer's calendar (`timezone`: theirs, else the default);
    `cases list`, the case's page and the /cases list all ask this."""
    return overdue(status, due, now.astimezone(zone(timezone)).date())
