"""The store's side of internal notices (drafts/internal): which buyer messages are due one. SQL.

A message is due when it belongs to a complaint case that is not closed and
either brings photos or finds the case without any internal notice yet, and
no notice of it exists. The buyer mail an automatic message may follow is the
acknowledgements' (drafts/store.answerable_since): never a robot's, never history.
Three statements per drafting run, however many messages are due.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from mailflow.drafts.internal import InternalCandidate, Photo
from mailflow.drafts.store import Outbox, ack_candidate, answerable_since, internal_notice_out
from mailflow.store.models import (
    CLOSED_CASE_STATUSES,
    Case,
    CaseEvidence,
    Contact,
    Customer,
    Draft,
    StoredAttachment,
)


class InternalOutbox(Outbox):
    def internal_candidates(self, since: datetime) -> list[InternalCandidate]:
        """Buyer messages since `since` that may be due an internal notice, oldest first."""
        photos = exists().where(CaseEvidence.contact_id == Contact.id)
        case_notified = internal_notice_out(statuses=None)  # since it last reopened
        message_notified = exists().where(Draft.contact_id == Contact.id, Draft.kind == "internal")
        query = (
            select(Contact, Case, Customer, photos)
            .join(Case, Contact.case_id == Case.id)
            .join(Customer, Contact.customer_id == Customer.id)
            .where(*answerable_since(since))
            .where(Case.status.not_in(CLOSED_CASE_STATUSES), or_(photos, ~case_notified), ~message_notified)
            .order_by(Contact.id)
        )
        with self.sessions() as session:
            found = [
                (ack_candidate(contact, case, customer, bool(has_photos)), bool(has_photos))
                for contact, case, customer, has_photos in session.execute(query)
            ]
            if not found:
                return []
            threads = self._threads(session, {message.case_id for message, _ in found})
            photos_of = self._photos(
                session, [message.contact_id for message, with_photos in found if with_photos]
            )
        return [
            InternalCandidate(
                message, tuple(photos_of.get(message.contact_id, ())), tuple(threads.get(message.case_id, ()))
            )
            for message, _ in found
        ]

    @staticmethod
    def _threads(session: Session, case_ids: set[int]) -> dict[int, list[str]]:
        """Each case's internal notices so far, oldest first: the thread a new one joins."""
        query = (
            select(Draft.case_id, Draft.message_id)
            .where(Draft.kind == "internal", Draft.case_id.in_(case_ids))
            .order_by(Draft.id)
        )
        threads: dict[int, list[str]] = {}
        for case_id, message_id in session.execute(query):
            if case_id is not None:  # it is: the query asks for these cases only
                threads.setdefault(case_id, []).append(message_id)
        return threads

    @staticmethod
    def _photos(session: Session, contact_ids: list[int]) -> dict[int, list[Photo]]:
        """The photos each message brought to its case, in the order they came."""
        if not contact_ids:
            return {}
        query = (
            select(CaseEvidence.contact_id, StoredAttachment)
            .join(StoredAttachment, CaseEvidence.attachment_id == StoredAttachment.id)
            .where(CaseEvidence.contact_id.in_(contact_ids))
            .order_by(CaseEvidence.id)
        )
        found: dict[int, list[Photo]] = {}
        for contact_id, attachment in session.execute(query):
            photo = Photo(
                attachment.id,
                attachment.filename,
                attachment.content_type,
                attachment.size,
                attachment.stored,
            )
            found.setdefault(contact_id, []).append(photo)
        return found
