"""A person moves a complaint case: assign, assess, agree, start, resolve, reopen, note (SQL).

Every move is a conditional UPDATE on the case's current status (inbound/case_states
says which moves exist), so a case is changed once however many people press the
button at the same moment, and every move writes the case's timeline (case_events)
with who and when. Agreeing a solution drafts the buyer's confirmation
(drafts/solutions) in the same transaction: both happen, or neither.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mailflow.config.settings import Settings
from mailflow.drafts.solutions import SolutionCase, solution_draft
from mailflow.drafts.templates import Templates
from mailflow.inbound.case_states import (
    EVENTS,
    PROMISED,
    CaseMoveError,
    CaseNotFound,
    Solution,
    responsibility_from,
    transition,
)
from mailflow.review.case_views import solution_of
from mailflow.store.engine import Store
from mailflow.store.models import Case, CaseEvent, Contact, Customer, Draft, DraftEvent, Reviewer
from mailflow.store.waiting_drafts import cancel_waiting

log = logging.getLogger(__name__)
audit = logging.getLogger("mailflow.audit")


@dataclass(frozen=True)
class Moved:
    case_id: int
    status: str
    changed: bool = True  # False: the case already was so (the same solution agreed again)
    draft_id: int | None = None  # the buyer's confirmation of an agreed solution


class CaseDesk:
    """The moves of the CLI's `cases` commands and of the case's page; `actor` is who acts."""

    def __init__(self, store: Store, settings: Settings, templates: Templates | None = None) -> None:
        self.sessions = store.sessions
        self.settings = settings
        self.templates = templates

    def assign(self, case_id: int, owner: str, actor: str, now: datetime) -> Moved:
        with self.sessions.begin() as session:
            known = session.scalar(
                select(Reviewer.username).where(Reviewer.username == owner, Reviewer.removed_at.is_(None))
            )
            if known is None:
                raise CaseMoveError(f"no reviewer named {owner!r} (mailflow reviewers list)")
            return self._move(session, case_id, "assign", actor, now, {"owner": owner})

    def assess(self, case_id: int, responsibility: str, actor: str, now: datetime) -> Moved:
        values = {"responsibility": responsibility_from(responsibility)}
        with self.sessions.begin() as session:
            return self._move(session, case_id, "assess", actor, now, values)

    def agree(self, case_id: int, solution: Solution, actor: str, now: datetime) -> Moved:
        """Agree a solution and draft its confirmation; the same solution again changes nothing."""
        with self.sessions.begin() as session:
            case = self._case(session, case_id)
            if case.status in PROMISED and solution_of(case) == solution:
                return Moved(case_id, case.status, changed=False)
            number = case.solutions + 1
            values = {
                "solution_kind": solution.kind,
                "solution_amount": solution.amount,
                "solution_currency": solution.currency,
                "solution_due": solution.due,
                "solutions": number,
            }
            moved = self._move(session, case_id, "agree", actor, now, values, solution.as_json(), case)
            draft_id = self._draft_solution(session, case, solution, number, actor, now)
            return Moved(case_id, moved.status, draft_id=draft_id)

    def start(self, case_id: int, actor: str, now: datetime) -> Moved:
        with self.sessions.begin() as session:
            return self._move(session, case_id, "start", actor, now, {})

    def resolve(self, case_id: int, actor: str, now: datetime) -> Moved:
        with self.sessions.begin() as session:
            moved = self._move(session, case_id, "resolve", actor, now, {"resolved_at": now})
            # Follow-ups that wait are pointless once a case is resolved; the satisfaction check replaces them.
            followups = (Draft.case_id == case_id) & (Draft.kind == "followup")
            cancel_waiting(session, followups, f"case {case_id} resolved", now, actor)
            return moved

    def reopen(self, case_id: int, actor: str, now: datetime) -> Moved:
        """A person reopens it (the buyer called, say): no new acknowledgement, the person answers.
        The buyer's own mail reopens it in inbound/batch_writer, and that is acknowledged again."""
        with self.sessions.begin() as session:
            moved = self._move(session, case_id, "reopen", actor, now, {"resolved_at": None}, {})
            # "Are you satisfied?" to a buyer whose case is not settled after all: not now.
            checks = (Draft.case_id == case_id) & (Draft.kind == "satisfaction")
            cancel_waiting(session, checks, f"case {case_id} reopened", now, actor)
            return moved

    def note(self, case_id: int, text: str, actor: str, now: datetime) -> Moved:
        note = " ".join(text.split())
        if not note or len(note) > 500:
            raise CaseMoveError("a note is one to 500 characters")
        with self.sessions.begin() as session:
            return self._move(session, case_id, "note", actor, now, {"note": note})

    # -- the move itself -------------------------------------------------------

    def _case(self, session: Session, case_id: int) -> Case:
        case = session.get(Case, case_id)
        if case is None:
            raise CaseNotFound(f"no case {case_id}")
        return case

    def _move(
        self,
        session: Session,
        case_id: int,
        action: str,
        actor: str,
        now: datetime,
        values: dict[str, Any],
        detail: dict[str, Any] | None = None,
        case: Case | None = None,
    ) -> Moved:
        current = (case or self._case(session, case_id)).status
        new = transition(current, action)
        result = session.execute(
            update(Case)
            .where(Case.id == case_id, Case.status == current)
            .values(status=new, **values)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) != 1:
            raise CaseMoveError(f"case {case_id} was changed by someone else; look again")
        shown = detail if detail is not None else {key: _jsonable(value) for key, value in values.items()}
        session.add(CaseEvent(case_id=case_id, at=now, actor=actor, action=EVENTS[action], detail=shown))
        audit.info("case %s %s by %s: %s -> %s", case_id, EVENTS[action], actor, current, new)
        return Moved(case_id, new)

    def _draft_solution(
        self, session: Session, case: Case, solution: Solution, number: int, actor: str, now: datetime
    ) -> int | None:
        found = session.execute(
            select(Contact, Customer)
            .select_from(Case)
            .join(Customer, Case.customer_id == Customer.id)
            .join(Contact, Contact.case_id == Case.id)
            .where(Case.id == case.id, Contact.direction == "in", Contact.automatic.is_(False))
            .order_by(Contact.id.desc())
            .limit(1)
        ).first()
        if found is None:
            raise CaseMoveError(f"case {case.id} has no message from the buyer to answer")
        contact, customer = found
        request = SolutionCase(
            case_id=case.id,
            case_subject=case.subject,
            number=number,
            solution=solution,
            customer_id=customer.id,
            customer_email=customer.email,
            customer_name=customer.name,
            customer_company=customer.company,
            language=contact.language or customer.language,
            mailbox=contact.mailbox,
            message_id=contact.message_id,
            thread_refs=tuple(contact.thread_refs),
            sender=contact.sender,
            reply_to=contact.reply_to,
            subject=contact.subject,
        )
        templates = self.templates or Templates(self.settings.replies.templates_dir)
        row = solution_draft(request, self.settings, templates)
        if row is None:
            log.warning("case %s: %s is one of our own addresses; no confirmation", case.id, contact.sender)
            return None
        if session.scalar(select(Draft.id).where(Draft.idempotency_key == row["idempotency_key"])):
            return None  # written by a move that raced this one; the conditional UPDATE refused it anyway
        draft = Draft(**{**row, "contact_id": contact.id, "created_at": now, "updated_at": now})
        session.add(draft)
        session.flush()
        session.add(
            DraftEvent(draft_id=draft.id, at=now, actor=actor, action="created", detail=row["template"])
        )
        return draft.id


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
