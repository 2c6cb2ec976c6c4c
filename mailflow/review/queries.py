"""What the review page reads and the one thing it writes besides decisions: manual contacts.

Part of the store. Plain dictionaries out, so the web layer never holds a session.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import case as when
from sqlalchemy import select

from mailflow.drafts.store import Outbox
from mailflow.ledger.payment_holds import buyer_wrote, reminder_invoice, reminder_refusal
from mailflow.store.engine import Store
from mailflow.store.models import (
    CLOSED_CASE_STATUSES,
    Case,
    Contact,
    Customer,
    Draft,
    StoredAttachment,
    TagCorrection,
    utcnow,
)

MANUAL_KINDS = ("call", "visit", "note")
# High first: the queue and the case list order by it.
SEVERITY_RANK = when({"high": 0, "medium": 1, "low": 2}, value=Case.severity, else_=3)


class ReviewQueries:
    def __init__(self, store: Store) -> None:
        self.sessions = store.sessions
        self.outbox = Outbox(store)

    def queue(self, kind: str = "", mailbox: str = "", customer: str = "") -> list[dict[str, Any]]:
        """Drafts awaiting review: high severity on top, then the newest complaint first."""
        query = (
            select(Draft, Customer.email, Customer.name, Case.severity, Contact.at)
            .outerjoin(Customer, Draft.customer_id == Customer.id)
            .outerjoin(Case, Draft.case_id == Case.id)
            .outerjoin(Contact, Draft.contact_id == Contact.id)
            .where(Draft.status == "pending_review")
            .order_by(SEVERITY_RANK, Contact.at.desc(), Draft.id.desc())
        )
        if kind:
            query = query.where(Draft.kind == kind)
        if mailbox:
            query = query.where(Draft.mailbox == mailbox)
        if customer:
            query = query.where(Customer.email.contains(customer.strip().lower(), autoescape=True))
        with self.sessions() as session:
            return [
                {
                    "id": draft.id,
                    "kind": draft.kind,
                    "mailbox": draft.mailbox,
                    "customer": email,
                    "customer_name": name,
                    "customer_id": draft.customer_id,
                    "subject": draft.subject,
                    "severity": severity or "",
                    "received_at": at,
                    "created_at": draft.created_at,
                }
                for draft, email, name, severity, at in session.execute(query)
            ]

    def draft_page(self, draft_id: int) -> dict[str, Any] | None:
        """The draft, the buyer message it answers, its attachments, the case and the customer's history."""
        draft = self.outbox.draft(draft_id)
        if draft is None:
            return None
        with self.sessions() as session:
            row = session.get(Draft, draft_id)
            assert row is not None
            message = session.get(Contact, row.contact_id) if row.contact_id else None
            case = session.get(Case, row.case_id) if row.case_id else None
            attachments = (
                session.scalars(
                    select(StoredAttachment).where(StoredAttachment.contact_id == message.id)
                ).all()
                if message
                else []
            )
            history = (
                session.scalars(
                    select(Contact)
                    .where(Contact.customer_id == row.customer_id)
                    .order_by(Contact.at.desc(), Contact.id.desc())
                    .limit(10)
                ).all()
                if row.customer_id
                else []
            )
            corrections = _corrections(session, [message.id] if message else [])
            # A payment reminder: what the buyer said about paying, and why it may not be approved.
            number = reminder_invoice(row.idempotency_key) if row.kind == "reminder" else ""
            return {
                "buyer_wrote": buyer_wrote(session, number) if number else None,
                "refusal": reminder_refusal(session, row.idempotency_key) if number else "",
                "draft": draft,
                "message": {**_message(message), "corrections": corrections.get(message.id, [])}
                if message
                else None,
                "attachments": [_attachment(a) for a in attachments],
                "case": _case(case) if case else None,
                "history": [_timeline_entry(c) for c in history],
            }

    def customer_page(self, customer_id: int) -> dict[str, Any] | None:
        with self.sessions() as session:
            customer = session.get(Customer, customer_id)
            if customer is None:
                return None
            contacts = session.scalars(
                select(Contact)
                .where(Contact.customer_id == customer_id)
                .order_by(Contact.at.desc(), Contact.id.desc())
            ).all()
            corrections = _corrections(session, [contact.id for contact in contacts])
            cases = session.scalars(
                select(Case)
                .where(Case.customer_id == customer_id, Case.status.not_in(CLOSED_CASE_STATUSES))
                .order_by(Case.id)
            ).all()
            return {
                "customer": {
                    "id": customer.id,
                    "email": customer.email,
                    "name": customer.name,
                    "company": customer.company,
                    "credit_hold_since": customer.credit_hold_since,  # None: not on credit hold
                    "credit_hold_reason": customer.credit_hold_reason,
                    "credit_limit": (
                        f"{customer.credit_limit:,.2f} {customer.credit_limit_currency}"
                        if customer.credit_limit is not None
                        else ""
                    ),
                    "payment_days": customer.payment_days,
                },
                "timeline": [
                    {**_timeline_entry(c), "corrections": corrections.get(c.id, [])} for c in contacts
                ],
                "cases": [_case(c) for c in cases],
            }

    def attachment(self, attachment_id: int) -> dict[str, Any] | None:
        with self.sessions() as session:
            row = session.get(StoredAttachment, attachment_id)
            return _attachment(row) if row else None

    def log_manual_contact(self, customer_id: int, kind: str, text: str, actor: str) -> int | None:
        """A phone call, a visit or a note, in the customer's timeline like any message; None: no such customer."""
        if kind not in MANUAL_KINDS:
            raise ValueError(f"kind must be one of {', '.join(MANUAL_KINDS)}")
        now = utcnow()
        with self.sessions.begin() as session:
            if session.get(Customer, customer_id) is None:
                return None
            contact = Contact(
                direction="manual",
                customer_id=customer_id,
                mailbox="",
                dedupe_key=f"manual:{customer_id}:{now.isoformat()}:{actor}",
                subject=kind,
                body=text.strip(),
                sender=actor,
                at=now,
                tags=[f"manual:{kind}"],
            )
            session.add(contact)
            session.flush()
            return contact.id


def _message(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.id,
        "sender": contact.sender,
        "subject": contact.subject,
        "at": contact.at,
        "body": contact.body,
        "full_text": contact.full_text,
        "html": contact.html,
        "tags": list(contact.tags),
        "reasons": list(contact.reasons),
        "severity": contact.severity,
        "language": contact.language,
        "references": list(contact.trade_refs),
    }


def _attachment(row: StoredAttachment) -> dict[str, Any]:
    return {
        "id": row.id,
        "filename": row.filename,
        "content_type": row.content_type,
        "size": row.size,
        "sha256": row.sha256,
        "stored": row.stored,
        "is_photo": row.is_photo,
    }


def _case(row: Case) -> dict[str, Any]:
    return {
        "id": row.id,
        "subject": row.subject,
        "status": row.status,
        "severity": row.severity,
        "categories": list(row.categories),
        "opened_at": row.opened_at,
    }


def _corrections(session: Any, contact_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each message's tag corrections, oldest first."""
    found: dict[int, list[dict[str, Any]]] = {}
    if contact_ids:
        query = (
            select(TagCorrection).where(TagCorrection.contact_id.in_(contact_ids)).order_by(TagCorrection.id)
        )
        for row in session.scalars(query):
            found.setdefault(row.contact_id, []).append(
                {
                    "at": row.at,
                    "actor": row.actor,
                    "old_tags": list(row.old_tags),
                    "new_tags": list(row.new_tags),
                    "old_severity": row.old_severity,
                    "new_severity": row.new_severity,
                }
            )
    return found


def _timeline_entry(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.id,
        "direction": contact.direction,
        "at": contact.at,
        "subject": contact.subject,
        "body": contact.body,
        "sender": contact.sender,
        "tags": list(contact.tags),
        "automatic": contact.automatic,
    }
