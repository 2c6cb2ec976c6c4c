"""The store's draft tables: what needs an acknowledgement, creating drafts, review decisions.

SQL, kept apart from the pure stages. Every decision on a draft is a
conditional UPDATE on its current status, so two reviewers (or a reviewer and
a second daemon) can never both move the same draft.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Exists, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mailflow.drafts.acknowledgements import AckCandidate
from mailflow.drafts.headers import safe_header
from mailflow.drafts.states import ReviewError, transition
from mailflow.ledger.payment_holds import reminder_refusal
from mailflow.store.bounces import bounced_among
from mailflow.store.engine import Store
from mailflow.store.models import (
    BouncedAddress,
    Case,
    CaseEvent,
    CaseEvidence,
    Contact,
    Customer,
    Draft,
    DraftEvent,
    utcnow,
)

audit = logging.getLogger("mailflow.audit")


class Outbox:
    def __init__(self, store: Store) -> None:
        self.sessions = store.sessions

    def ack_candidates(self, since: datetime) -> list[AckCandidate]:
        """Open complaint cases without an acknowledgement, each with its latest buyer message since `since`.

        Since: by arrival at our server, not the buyer's Date header; history is never answered.
        """
        # One acknowledgement per case, and one more each time the buyer's mail reopened it
        # (`ack:case:<id>:reopen-<n>`, inbound/case_states.ack_key).
        acks = select(func.count(Draft.id)).where(Draft.case_id == Case.id, Draft.kind == "ack")
        no_ack = acks.scalar_subquery() <= Case.reopened
        photos = exists().where(CaseEvidence.case_id == Case.id)
        query = (
            select(Contact, Case, Customer, photos, internal_notice_out())
            .join(Case, Contact.case_id == Case.id)
            .join(Customer, Contact.customer_id == Customer.id)
            .where(*answerable_since(since))
            .where(Case.status == "open", no_ack)
            .order_by(Contact.id)
        )
        latest: dict[int, AckCandidate] = {}
        with self.sessions() as session:
            for contact, case, customer, has_evidence, notified in session.execute(query):
                latest[case.id] = ack_candidate(contact, case, customer, bool(has_evidence), bool(notified))
        return list(latest.values())

    def is_bounced(self, address: str) -> bool:
        return bool(self.bounced([address]))

    def bounced(self, addresses: Iterable[str]) -> set[str]:
        with self.sessions() as session:
            return bounced_among(session, addresses)

    def bounces(self) -> list[dict[str, Any]]:
        with self.sessions() as session:
            query = (
                select(BouncedAddress)
                .where(BouncedAddress.cleared_at.is_(None))
                .order_by(BouncedAddress.email)
            )
            return [
                {
                    "email": row.email,
                    "first_at": row.first_at.isoformat(),
                    "last_at": row.last_at.isoformat(),
                    "reports": row.reports,
                    "report_message_id": row.report_message_id,
                }
                for row in session.scalars(query)
            ]

    def clear_bounce(self, address: str, actor: str) -> bool:
        """A person says the address works again; False when it was not marked."""
        with self.sessions.begin() as session:
            email = address.strip().lower()
            row = session.get(BouncedAddress, email)
            if row is None or row.cleared_at is not None:
                return False
            row.cleared_at, row.cleared_by = utcnow(), actor
        audit.info("%s cleared the bounce mark of %s: automatic mail may go there again", actor, email)
        return True

    def drafts_to_recipient_since(self, recipient: str, since: datetime) -> int:
        with self.sessions() as session:
            query = select(func.count(Draft.id)).where(
                Draft.recipient == recipient, Draft.created_at >= since
            )
            return int(session.scalar(query) or 0)

    def create_draft(self, row: dict[str, Any], actor: str = "mailflow") -> bool:
        """Insert a draft and its 'created' event; False when its idempotency key already exists."""
        try:
            with self.sessions.begin() as session:
                draft = Draft(**row)
                session.add(draft)
                session.flush()
                session.add(
                    DraftEvent(draft_id=draft.id, actor=actor, action="created", detail=row["template"])
                )
        except IntegrityError:
            return False
        return True

    def has_draft(self, idempotency_key: str) -> bool:
        with self.sessions() as session:
            found = session.scalar(select(Draft.id).where(Draft.idempotency_key == idempotency_key))
            return found is not None

    def counts(self) -> dict[str, int]:
        """Drafts by state, for the metrics."""
        with self.sessions() as session:
            rows = session.execute(select(Draft.status, func.count()).group_by(Draft.status))
            return {status: int(count) for status, count in rows}

    def drafts(self, status: str | None = None) -> list[dict[str, Any]]:
        with self.sessions() as session:
            query = select(Draft, Customer.email).outerjoin(Customer, Draft.customer_id == Customer.id)
            if status:
                query = query.where(Draft.status == status)
            return [draft_dict(draft, email) for draft, email in session.execute(query.order_by(Draft.id))]

    def draft(self, draft_id: int) -> dict[str, Any] | None:
        with self.sessions() as session:
            row = session.execute(
                select(Draft, Customer.email)
                .outerjoin(Customer, Draft.customer_id == Customer.id)
                .where(Draft.id == draft_id)
            ).first()
            if row is None:
                return None
            found = draft_dict(*row)
            events = session.scalars(
                select(DraftEvent).where(DraftEvent.draft_id == draft_id).order_by(DraftEvent.id)
            )
            found["events"] = [
                {"at": e.at.isoformat(), "actor": e.actor, "action": e.action, "detail": e.detail}
                for e in events
            ]
            return found

    def edit(self, draft_id: int, subject: str, body: str, actor: str) -> bool:
        """A reviewer's new subject and text, kept with a unified diff in the history; False when unchanged."""
        draft = self.draft(draft_id)
        if draft is None:
            raise ReviewError(f"no draft with id {draft_id}")
        subject = safe_header(" ".join(subject.split()))
        body = body.replace("\r\n", "\n")
        before = f"Subject: {draft['subject']}\n\n{draft['body']}"
        after = f"Subject: {subject}\n\n{body}"
        if after == before:
            return False
        diff = "".join(
            difflib.unified_diff(before.splitlines(True), after.splitlines(True), "draft", "edited", n=1)
        )
        self.decide(draft_id, "edited", actor, detail=diff, changes={"subject": subject, "text": body})
        return True

    def approve(
        self, draft_id: int, actor: str, edited: Callable[[], tuple[str, str] | None] | None = None
    ) -> str:
        """Approve, with the reviewer's new (subject, text) from `edited` (the review page's form, the
        CLI's $EDITOR; None: unchanged), asked only once the draft may be approved: a reminder that
        may not go out is refused before anyone edits it, not after the edit was kept."""
        if edited is not None:
            with self.sessions() as session:
                found = session.execute(
                    select(Draft.kind, Draft.idempotency_key).where(Draft.id == draft_id)
                ).first()
                if found is not None and (refusal := _approval_refusal(session, *found)):
                    raise ReviewError(f"draft {draft_id} not approved: {refusal}")
            if (change := edited()) is not None:
                self.edit(draft_id, *change, actor)
        return self.decide(draft_id, "approved", actor)

    def decide(
        self, draft_id: int, action: str, actor: str, detail: str = "", changes: dict[str, str] | None = None
    ) -> str:
        """Apply a reviewer's decision; returns the new status. ReviewError when it does not apply."""
        with self.sessions.begin() as session:
            found = session.execute(
                select(Draft.status, Draft.kind, Draft.idempotency_key).where(Draft.id == draft_id)
            ).first()
            if found is None:
                raise ReviewError(f"no draft with id {draft_id}")
            current, kind, key = found
            new_status = transition(current, action)
            if action == "approved" and (refusal := _approval_refusal(session, kind, key)):
                raise ReviewError(f"draft {draft_id} not approved: {refusal}")
            values: dict[str, Any] = {"status": new_status, "updated_at": utcnow(), **(changes or {})}
            if current == "failed":
                values.update(attempts=0, next_attempt_at=None)  # a fresh set of tries
            result = session.execute(
                update(Draft).where(Draft.id == draft_id, Draft.status == current).values(**values)
            )
            if getattr(result, "rowcount", 0) != 1:
                raise ReviewError(f"draft {draft_id} was changed by someone else; look again")
            session.add(DraftEvent(draft_id=draft_id, actor=actor, action=action, detail=detail))
            return new_status


def _approval_refusal(session: Session, kind: str, key: str) -> str:
    """A reminder for money no longer owed, or that a buyer's message holds, never goes out ("": it may)."""
    return reminder_refusal(session, key) if kind == "reminder" else ""


def answerable_since(since: datetime) -> tuple[ColumnElement[bool], ...]:
    """Buyer mail an automatic message may follow: not automatic, not history, arrived since `since`.

    By arrival at our server, not the buyer's Date header. Acknowledgements and internal
    notices (drafts/internal_store) both go by it: neither is ever written for a robot's mail
    or for what was in a mailbox before mailflow watched it.
    """
    return (
        Contact.direction == "in",
        Contact.automatic.is_(False),
        Contact.history.is_(False),
        Contact.arrived_at >= since,
    )


def internal_notice_out(statuses: tuple[str, ...] | None = ("approved", "sending", "sent")) -> Exists:
    """Whether an internal notice of the case (drafts/internal) went out or is approved to go (of
    any status: `statuses` None) since the case last reopened.

    A reopened case is news to the people told when it opened: they are told again, and the
    reopening's acknowledgement speaks of their meeting only once they are.
    """
    reopened = (
        select(func.max(CaseEvent.at))
        .where(CaseEvent.case_id == Case.id, CaseEvent.action == "reopened")
        .correlate(Case)  # the outer query's case, two levels up
        .scalar_subquery()
    )
    since = or_(reopened.is_(None), Draft.created_at >= reopened)
    notice = exists().where(Draft.case_id == Case.id, Draft.kind == "internal", since)
    return notice.where(Draft.status.in_(statuses)) if statuses else notice


def ack_candidate(
    contact: Contact, case: Case, customer: Customer, has_evidence: bool, internal_notified: bool = False
) -> AckCandidate:
    """A buyer message of a complaint case, as the drafts that answer or pass it on read it."""
    return AckCandidate(
        case_id=case.id,
        case_subject=case.subject,
        case_severity=case.severity,
        case_categories=list(case.categories),
        contact_id=contact.id,
        mailbox=contact.mailbox,
        message_id=contact.message_id,
        thread_refs=list(contact.thread_refs),
        sender=contact.sender,
        reply_to=contact.reply_to,
        subject=contact.subject,
        body=contact.body,
        at=contact.at,
        tags=list(contact.tags),
        reasons=list(contact.reasons),
        language=contact.language,
        references=list(contact.trade_refs),
        photos=has_evidence or "photos" in contact.tags,
        customer_id=customer.id,
        customer_email=customer.email,
        customer_name=customer.name,
        customer_company=customer.company,
        internal_notified=internal_notified,
        reopened=case.reopened,
    )


def draft_dict(draft: Draft, customer_email: str | None) -> dict[str, Any]:
    return {
        "id": draft.id,
        "kind": draft.kind,
        "status": draft.status,
        "policy": draft.policy,
        "customer": customer_email,
        "customer_id": draft.customer_id,
        "mailbox": draft.mailbox,
        "case": draft.case_id,
        "from": draft.from_addr,
        "to": list(draft.to_addrs),
        "cc": list(draft.cc_addrs or ()),
        "attachments": list(draft.attachment_ids or ()),
        "subject": draft.subject,
        "body": draft.text,
        "html": draft.html,
        "message_id": draft.message_id,
        "in_reply_to": draft.in_reply_to,
        "references": list(draft.thread_refs),
        "idempotency_key": draft.idempotency_key,
        "template": draft.template,
        "tags": list(draft.tags),
        "reasons": list(draft.reasons),
        "failure": draft.failure,
        "attempts": draft.attempts,
        "next_attempt_at": draft.next_attempt_at.isoformat() if draft.next_attempt_at else None,
        "sent_at": draft.sent_at.isoformat() if draft.sent_at else None,
        "created_at": draft.created_at.isoformat(),
    }
