"""All SQL of mailflow: the engine, the batch transaction, checkpoints, queries.

A batch of fetched messages is recorded in ONE transaction together with the
folder's checkpoint, so a crash either keeps both or neither. Unique keys on
the Message-ID (or raw-bytes hash) and on (mailbox, folder, uidvalidity, uid)
make replaying a batch harmless.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from mailflow.classify import is_photo
from mailflow.models import (
    Base,
    Case,
    CaseEvidence,
    Checkpoint,
    Contact,
    Customer,
    QuarantinedMessage,
    StoredAttachment,
    utcnow,
)
from mailflow.pipeline import Failed, Processed, company_for

log = logging.getLogger(__name__)
audit = logging.getLogger("mailflow.audit")

_SEVERITY_RANK = {"low": 0, "medium": 1, "high": 2}


@dataclass(frozen=True)
class FolderState:
    uidvalidity: int
    last_uid: int


@dataclass(frozen=True)
class BatchOutcome:
    recorded: int
    duplicates: int
    quarantined: int


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})
        _sqlite_transactions(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_transactions(engine: Engine) -> None:
    """Let SQLAlchemy, not pysqlite, run transactions, so savepoints and locks behave.

    BEGIN IMMEDIATE takes the write lock up front: two folder threads then queue
    instead of failing with "database is locked" when a reader turns writer.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Store:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_schema(self) -> None:
        Base.metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # -- checkpoints ---------------------------------------------------------

    def folder_state(self, mailbox: str, folder: str) -> FolderState | None:
        with self.sessions() as session:
            row = session.get(Checkpoint, (mailbox, folder))
            return FolderState(row.uidvalidity, row.last_uid) if row else None

    # -- the batch transaction -----------------------------------------------

    def record_batch(
        self,
        mailbox: str,
        folder: str,
        uidvalidity: int,
        results: Sequence[Processed | Failed],
        stored: dict[str, bool],
        last_uid: int,
    ) -> BatchOutcome:
        """Record a batch and move the checkpoint to `last_uid`, all or nothing.

        `stored` says, per attachment SHA-256, whether its bytes are on disk. When
        the batch as a whole hits a unique key (another process recorded one of
        its messages a moment ago), it is redone message by message in savepoints.
        """
        try:
            with self.sessions.begin() as session:
                outcome = _Recorder(session, mailbox, folder, uidvalidity, stored).record_all(
                    results, savepoints=False
                )
                _advance(session, mailbox, folder, uidvalidity, last_uid)
                return outcome
        except IntegrityError:
            log.info("%s/%s: batch met a concurrent duplicate; recording one by one", mailbox, folder)
        with self.sessions.begin() as session:
            outcome = _Recorder(session, mailbox, folder, uidvalidity, stored).record_all(
                results, savepoints=True
            )
            _advance(session, mailbox, folder, uidvalidity, last_uid)
            return outcome

    # -- queries for the CLI -------------------------------------------------

    def contacts(self, customer: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        with self.sessions() as session:
            query = (
                select(Contact, Customer.email)
                .outerjoin(Customer, Contact.customer_id == Customer.id)
                .order_by(Contact.at, Contact.id)
            )
            if customer:
                query = query.where(Customer.email == customer.strip().lower())
            if limit:
                query = query.limit(limit)
            return [_contact_dict(contact, email) for contact, email in session.execute(query)]

    def quarantined(self, include_resolved: bool = False) -> list[dict[str, Any]]:
        with self.sessions() as session:
            query = select(QuarantinedMessage).order_by(QuarantinedMessage.id)
            if not include_resolved:
                query = query.where(QuarantinedMessage.resolved_at.is_(None))
            return [
                {
                    "id": row.id,
                    "mailbox": row.mailbox,
                    "folder": row.folder,
                    "uid": row.uid,
                    "reason": row.reason,
                    "at": row.at.isoformat(),
                    "attempts": row.attempts,
                }
                for row in session.scalars(query)
            ]

    def quarantined_message(self, quarantine_id: int) -> QuarantinedMessage | None:
        with self.sessions() as session:
            return session.get(QuarantinedMessage, quarantine_id)

    def resolve_quarantine(
        self, quarantine_id: int, result: Processed | Failed, stored: dict[str, bool]
    ) -> BatchOutcome:
        """Record a retried message; on success the quarantine entry is closed, else its reason updated."""
        with self.sessions.begin() as session:
            row = session.get(QuarantinedMessage, quarantine_id)
            if row is None:
                return BatchOutcome(0, 0, 0)
            if isinstance(result, Failed):
                row.reason = result.reason
                row.attempts += 1
                return BatchOutcome(0, 0, 1)
            recorder = _Recorder(session, row.mailbox, row.folder, row.uidvalidity, stored)
            outcome = recorder.record_all([result], savepoints=True)
            row.resolved_at = utcnow()
            return outcome

    def cases(self) -> list[dict[str, Any]]:
        with self.sessions() as session:
            rows = session.execute(
                select(Case, Customer.email).join(Customer, Case.customer_id == Customer.id).order_by(Case.id)
            )
            return [
                {
                    "id": case.id,
                    "customer": email,
                    "subject": case.subject,
                    "categories": case.categories,
                    "severity": case.severity,
                    "status": case.status,
                    "opened_at": case.opened_at.isoformat(),
                    "evidence": self._evidence_count(session, case.id),
                }
                for case, email in rows
            ]

    @staticmethod
    def _evidence_count(session: Session, case_id: int) -> int:
        return len(session.scalars(select(CaseEvidence.id).where(CaseEvidence.case_id == case_id)).all())


def _advance(session: Session, mailbox: str, folder: str, uidvalidity: int, last_uid: int) -> None:
    row = session.get(Checkpoint, (mailbox, folder))
    if row is None:
        session.add(Checkpoint(mailbox=mailbox, folder=folder, uidvalidity=uidvalidity, last_uid=last_uid))
        return
    if row.uidvalidity != uidvalidity:
        row.uidvalidity, row.last_uid = uidvalidity, last_uid
    else:
        row.last_uid = max(row.last_uid, last_uid)
    row.updated_at = utcnow()


class _Recorder:
    """Writes one batch inside an open session; knows customers, cases and evidence.

    Everything the batch needs from the database is read up front in a few
    queries, and new rows are linked by relationship, so a batch costs a handful
    of statements rather than several per message.
    """

    def __init__(
        self, session: Session, mailbox: str, folder: str, uidvalidity: int, stored: dict[str, bool]
    ) -> None:
        self.session = session
        self.mailbox, self.folder, self.uidvalidity = mailbox, folder, uidvalidity
        self.stored = stored
        self.customers: dict[str, Customer] = {}
        self.cases_by_message: dict[str, Case] = {}

    def record_all(self, results: Iterable[Processed | Failed], savepoints: bool) -> BatchOutcome:
        items = list(results)
        processed = [item for item in items if isinstance(item, Processed)]
        known = self._known_keys(processed)
        self._load_customers(processed)
        self._load_thread_cases(processed)
        recorded = duplicates = quarantined = 0
        for item in items:
            if isinstance(item, Failed):
                quarantined += self._quarantine(item)
                continue
            if item.mail.dedupe_key in known:
                duplicates += 1
                continue
            known.add(item.mail.dedupe_key)
            if not savepoints:
                self._contact(item)
                recorded += 1
                continue
            try:
                with self.session.begin_nested():
                    self._contact(item)
                recorded += 1
            except IntegrityError:
                duplicates += 1
        self.session.flush()
        return BatchOutcome(recorded, duplicates, quarantined)

    def _known_keys(self, processed: list[Processed]) -> set[str]:
        keys = [item.mail.dedupe_key for item in processed]
        if not keys:
            return set()
        return set(self.session.scalars(select(Contact.dedupe_key).where(Contact.dedupe_key.in_(keys))))

    def _load_customers(self, processed: list[Processed]) -> None:
        emails = {item.counterpart.email for item in processed if item.counterpart is not None}
        if emails:
            for customer in self.session.scalars(select(Customer).where(Customer.email.in_(emails))):
                self.customers[customer.email] = customer

    def _load_thread_cases(self, processed: list[Processed]) -> None:
        refs = {ref for item in processed for ref in (item.mail.in_reply_to, *item.mail.references) if ref}
        if not refs:
            return
        rows = self.session.execute(
            select(Contact.message_id, Case)
            .join(Case, Contact.case_id == Case.id)
            .where(Contact.message_id.in_(refs))
            .order_by(Contact.id)
        )
        for message_id, case in rows:
            self.cases_by_message[message_id] = case

    def _quarantine(self, item: Failed) -> int:
        exists = self.session.scalar(
            select(QuarantinedMessage.id).where(
                QuarantinedMessage.mailbox == self.mailbox,
                QuarantinedMessage.folder == self.folder,
                QuarantinedMessage.uidvalidity == self.uidvalidity,
                QuarantinedMessage.uid == item.uid,
            )
        )
        if exists:
            return 0
        self.session.add(
            QuarantinedMessage(
                mailbox=self.mailbox,
                folder=self.folder,
                uidvalidity=self.uidvalidity,
                uid=item.uid,
                reason=item.reason,
                raw=item.raw,
            )
        )
        log.warning("%s/%s uid %s quarantined: %s", self.mailbox, self.folder, item.uid, item.reason)
        return 1

    def _customer(self, item: Processed) -> Customer | None:
        address = item.counterpart
        if address is None:
            return None
        customer = self.customers.get(address.email)
        if customer is None:
            customer = Customer(
                email=address.email, name=address.name, company=company_for(address), domain=address.domain
            )
            self.session.add(customer)
            self.customers[address.email] = customer
        elif not customer.name and address.name:
            customer.name = address.name
        return customer

    def _contact(self, item: Processed) -> None:
        mail, result = item.mail, item.classification
        customer = self._customer(item)
        case = self._case(item, customer)
        contact = Contact(
            direction=item.direction,
            customer=customer,
            case=case,
            mailbox=self.mailbox,
            folder=self.folder,
            uidvalidity=self.uidvalidity,
            uid=item.uid,
            dedupe_key=mail.dedupe_key,
            message_id=mail.message_id,
            in_reply_to=mail.in_reply_to,
            thread_refs=list(mail.references),
            sender=mail.sender.email if mail.sender else "",
            subject=mail.subject,
            body=mail.new_text,
            at=mail.date or utcnow(),
            tags=list(result.tags),
            reasons=[hit.reason for hit in result.hits]
            + list(item.verdict.reasons if item.verdict.automatic else ()),
            severity=result.severity,
            language=result.language,
            trade_refs=[{"kind": ref.kind, "value": ref.value} for ref in result.references],
            automatic=item.verdict.automatic,
            attachments=[],
        )
        self.session.add(contact)
        if case is not None and mail.message_id:
            self.cases_by_message[mail.message_id] = case
        self._attachments(item, contact, case)
        audit.info(
            "<%s> %s %s tagged %s severity %s",
            mail.message_id or mail.dedupe_key,
            item.direction,
            customer.email if customer else "-",
            ",".join(result.tags) or "-",
            result.severity,
        )

    def _case(self, item: Processed, customer: Customer | None) -> Case | None:
        thread = [ref for ref in (item.mail.in_reply_to, *item.mail.references) if ref]
        case = next(
            (self.cases_by_message[ref] for ref in reversed(thread) if ref in self.cases_by_message), None
        )
        result = item.classification
        categories = [tag.split(":", 1)[1] for tag in result.tags if tag.startswith("complaint:")]
        if item.direction != "in" or not categories or customer is None:
            return case
        if case is None:
            case = Case(
                customer=customer, subject=item.mail.subject, categories=categories, severity=result.severity
            )
            self.session.add(case)
            audit.info("case opened for %s: %s", customer.email, ",".join(categories))
            return case
        case.categories = sorted(set(case.categories) | set(categories))
        if _SEVERITY_RANK[result.severity] > _SEVERITY_RANK.get(case.severity, 0):
            case.severity = result.severity
        return case

    def _attachments(self, item: Processed, contact: Contact, case: Case | None) -> None:
        for attachment in item.mail.attachments:
            photo = is_photo(attachment)
            row = StoredAttachment(
                filename=attachment.filename,
                content_type=attachment.content_type,
                size=attachment.size,
                sha256=attachment.sha256,
                stored=self.stored.get(attachment.sha256, False),
                is_photo=photo,
            )
            contact.attachments.append(row)
            if case is not None and photo and item.direction == "in":
                self.session.add(CaseEvidence(case=case, attachment=row, contact=contact))


def _contact_dict(contact: Contact, customer_email: str | None) -> dict[str, Any]:
    return {
        "id": contact.id,
        "direction": contact.direction,
        "customer": customer_email,
        "mailbox": contact.mailbox,
        "folder": contact.folder,
        "message_id": contact.message_id,
        "in_reply_to": contact.in_reply_to,
        "subject": contact.subject,
        "at": _iso(contact.at),
        "tags": list(contact.tags),
        "reasons": list(contact.reasons),
        "severity": contact.severity,
        "language": contact.language,
        "references": list(contact.trade_refs),
        "case": contact.case_id,
        "automatic": contact.automatic,
    }


def _iso(value: datetime) -> str:
    return value.isoformat()
