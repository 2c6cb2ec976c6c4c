"""Writing one batch of processed messages: customers, cases, contacts, attachments, evidence.

The SQL of recording a batch; what each message produces is decided in
batch_rows.py (pure). Everything the batch needs from the database is read up
front in a few queries, and rows are written with one INSERT ... RETURNING per
table (executemany), not object by object: a batch of hundreds of messages
costs a handful of statements.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import DataError, IntegrityError, InternalError
from sqlalchemy.orm import Session

from mailflow.config.cases import DEFAULT_CASES, CaseSettings
from mailflow.errors import database_reason
from mailflow.inbound.batch_rows import (
    CaseRow,
    CustomerRow,
    OpenCase,
    PendingContact,
    attachment_rows,
    case_for,
    contact_row,
    customer_for,
    remember_open_case,
    subject_case,
    thread_case,
)
from mailflow.inbound.case_states import EVENTS
from mailflow.inbound.open_cases import load_open_cases, load_thread_cases
from mailflow.inbound.pipeline import Failed, Processed
from mailflow.inbound.schedule_effects import react
from mailflow.store.bounces import mark_bounced
from mailflow.store.dialect import dialect_insert
from mailflow.store.models import (
    Case,
    CaseEvent,
    CaseEvidence,
    Contact,
    Customer,
    Draft,
    QuarantinedMessage,
    StoredAttachment,
    utcnow,
)
from mailflow.store.waiting_drafts import cancel_waiting

log = logging.getLogger(__name__)
audit = logging.getLogger("mailflow.audit")
_DEFECTS_LOGGED = 10  # a broken message may have thousands; the first few say what is wrong

# What the database says when it will not take some row (as opposed to being down).
REFUSED_DATA = (IntegrityError, DataError, InternalError)


def _first_line(exc: Exception) -> str:
    """The driver's own words, without SQL or parameters (they could hold message text)."""
    return f"{type(getattr(exc, 'orig', None) or exc).__name__}: {database_reason(exc)}"


@dataclass(frozen=True)
class BatchOutcome:
    recorded: int
    duplicates: int
    quarantined: int


class BatchWriter:
    """Writes one batch inside an open session."""

    def __init__(
        self,
        session: Session,
        mailbox: str,
        folder: str,
        uidvalidity: int,
        stored: dict[str, bool],
        raw: Mapping[int, bytes],
        cases: CaseSettings = DEFAULT_CASES,
        colleagues: frozenset[str] = frozenset(),
    ) -> None:
        self.session = session
        self.cases = cases  # [cases]: when a complaint reopens a case, when history opens one closed
        self.colleagues = colleagues  # Settings.colleague_addresses: their mail makes no customer
        self.raw = raw
        self.mailbox, self.folder, self.uidvalidity = mailbox, folder, uidvalidity
        self.stored = stored
        self.customers: dict[str, CustomerRow] = {}
        self.cases_by_message: dict[str, CaseRow] = {}
        self.open_cases: dict[str, list[OpenCase]] = {}  # by company_key: for mail without threading headers

    def record_all(self, results: Iterable[Processed | Failed], savepoints: bool) -> BatchOutcome:
        items = list(results)
        processed = [item for item in items if isinstance(item, Processed)]
        known = self._known_keys(processed)
        before = set(known)
        self._load_customers(processed)
        self.cases_by_message = load_thread_cases(self.session, processed, self.customers)
        unthreaded = [item for item in processed if thread_case(item, self.cases_by_message) is None]
        by_id = {case.id: case for case in self.cases_by_message.values() if case.id is not None}
        reopen_days = self.cases.reopen_days
        since = utcnow() - timedelta(days=reopen_days) if reopen_days else None
        self.open_cases = load_open_cases(self.session, unthreaded, self.customers, by_id, since)
        recorded = duplicates = quarantined = 0
        pending: list[PendingContact] = []
        for item in items:
            if isinstance(item, Failed):
                quarantined += self._quarantine(item)
                continue
            if item.mail.dedupe_key in known:
                duplicates += 1
                continue
            known.add(item.mail.dedupe_key)
            if not savepoints:
                pending.append(self._contact(item))
                recorded += 1
                continue
            entry = self._contact(item)
            unsaved = [row for row in (entry.customer, entry.case) if row is not None and row.id is None]
            reopened = entry.case if entry.case is not None and entry.case.reopening else None
            try:
                with self.session.begin_nested():
                    self._write([entry])
                recorded += 1
            except REFUSED_DATA as exc:
                for row in unsaved:  # rolled back with the savepoint
                    row.id = None
                if reopened is not None:  # still resolved: the batch's next complaint may reopen it
                    reopened.status, reopened.reopening = "resolved", False
                if isinstance(exc, IntegrityError) and self._already_logged(item):
                    duplicates += 1
                    continue
                reason = f"the database refused it: {_first_line(exc)}"
                quarantined += self._quarantine(Failed(item.uid, self.raw.get(item.uid, b""), reason))
        self._write(pending)
        self._record_bounces(
            [item for item in processed if item.mail.bounced and item.mail.dedupe_key not in before]
        )
        return BatchOutcome(recorded, duplicates, quarantined)

    # -- reading what the batch needs -----------------------------------------

    def _already_logged(self, item: Processed) -> bool:
        found = self.session.scalar(
            select(Contact.id).where(
                (Contact.dedupe_key == item.mail.dedupe_key)
                | (
                    (Contact.mailbox == self.mailbox)
                    & (Contact.folder == self.folder)
                    & (Contact.uidvalidity == self.uidvalidity)
                    & (Contact.uid == item.uid)
                )
            )
        )
        return found is not None

    def _known_keys(self, processed: list[Processed]) -> set[str]:
        keys = [item.mail.dedupe_key for item in processed]
        if not keys:
            return set()
        return set(self.session.scalars(select(Contact.dedupe_key).where(Contact.dedupe_key.in_(keys))))

    def _load_customers(self, processed: list[Processed]) -> None:
        emails = {item.counterpart.email for item in processed if item.counterpart is not None}
        if not emails:
            return
        query = select(Customer.id, Customer.email, Customer.name, Customer.company, Customer.domain)
        for row in self.session.execute(query.where(Customer.email.in_(emails))):
            self.customers[row.email] = CustomerRow(row.email, row.name, row.company, row.domain, id=row.id)

    # -- deciding what each message produces ---------------------------------

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

    def _contact(self, item: Processed) -> PendingContact:
        mail, result = item.mail, item.classification
        customer = customer_for(item, self.customers, self.colleagues)
        continued = thread_case(item, self.cases_by_message) or subject_case(item, self.open_cases)
        case = case_for(item, customer, continued, self.cases, utcnow())
        if case is not None and mail.message_id:
            self.cases_by_message[mail.message_id] = case
        if case is not None and (case.id is None or case.reopening or self._is_open(case)):
            remember_open_case(self.open_cases, item, case)
        row = contact_row(item, (self.mailbox, self.folder, self.uidvalidity), utcnow())
        audit.info(
            "<%s> %s %s tagged %s severity %s",
            mail.message_id or mail.dedupe_key,
            item.direction,
            customer.email if customer else "-",
            ",".join(result.tags) or "-",
            result.severity,
            extra={"customer": customer.email} if customer else None,
        )
        if mail.defects:  # read anyway; what the parser could not read or left out is said once
            audit.warning("<%s> parsed with defects: %s", mail.message_id or mail.dedupe_key,
                          "; ".join(mail.defects[:_DEFECTS_LOGGED]))  # fmt: skip
        return PendingContact(row, customer, case, item.direction, attachment_rows(item, self.stored))

    def _is_open(self, case: CaseRow) -> bool:
        return any(entry.case is case for entries in self.open_cases.values() for entry in entries)

    # -- writing ---------------------------------------------------------------

    def _record_bounces(self, reports: list[Processed]) -> None:
        """Mark every address a new delivery report says failed; a cleared one is marked again."""
        for item in reports:
            for address in item.mail.bounced:
                mark_bounced(self.session, address, item.mail.message_id)
                audit.info("<%s> bounce: %s marked undeliverable", item.mail.message_id, address)
        self.session.flush()

    def _write(self, pending: list[PendingContact]) -> None:
        self.session.flush()  # quarantine rows
        if not pending:
            return
        self._write_customers(pending)
        self._write_cases(pending)
        rows = []
        for entry in pending:
            entry.row["customer_id"] = entry.customer.id if entry.customer else None
            entry.row["case_id"] = entry.case.id if entry.case else None
            rows.append(entry.row)
        contact_ids = self._insert(Contact, rows)
        self._write_reopenings(pending, contact_ids)
        self._write_attachments(pending, contact_ids)
        react(self.session, rows, utcnow())

    def _insert(self, model: type[Any], rows: list[dict[str, Any]]) -> list[int]:
        """INSERT many rows, returning their ids in the order given."""
        if not rows:
            return []
        clamped = [_clamped(model, row) for row in rows]
        if self.session.get_bind().dialect.name == "sqlite":
            return self._insert_numbered(model, clamped)
        statement = insert(model).returning(model.id, sort_by_parameter_order=True)
        return list(self.session.scalars(statement, clamped).all())

    def _insert_numbered(self, model: type[Any], rows: list[dict[str, Any]]) -> list[int]:
        """SQLite: the ids are given here, so all the rows go in one executemany.

        SQLite cannot tell which RETURNING row belongs to which parameter set, so
        SQLAlchemy would send one INSERT per row: ~450 statements for a batch of 200
        messages. The transaction holds SQLite's write lock from its BEGIN IMMEDIATE
        on (store/engine), so no other writer can take an id between reading the
        largest one and inserting; the ids are those SQLite would have chosen.
        """
        first = (self.session.scalar(select(func.max(model.id))) or 0) + 1
        ids = list(range(first, first + len(rows)))
        numbered = [{**row, "id": row_id} for row, row_id in zip(rows, ids, strict=True)]
        self.session.connection().execute(model.__table__.insert(), numbered)
        return ids

    def _write_customers(self, pending: list[PendingContact]) -> None:
        new = {
            id(e.customer): e.customer for e in pending if e.customer is not None and e.customer.id is None
        }
        if new:
            self._insert_customers(list(new.values()))
        for customer in {
            id(e.customer): e.customer for e in pending if e.customer and e.customer.renamed
        }.values():
            self.session.execute(
                update(Customer).where(Customer.id == customer.id).values(name=customer.name)
            )
            customer.renamed = False

    def _insert_customers(self, customers: list[CustomerRow]) -> None:
        """New buyers; one that another folder's batch created meanwhile is taken as it is.

        Two mailboxes (or workers) can hear from the same new buyer at the same moment.
        ON CONFLICT DO NOTHING waits for the other transaction and skips its row, which
        a plain INSERT would turn into a refused batch and quarantined messages.
        """
        fields = ("email", "name", "company", "domain")
        rows = [_clamped(Customer, {name: getattr(c, name) for name in fields} | {"created_at": utcnow()})
                for c in customers]  # fmt: skip
        dialect = self.session.get_bind().dialect.name
        statement = dialect_insert(dialect, Customer).on_conflict_do_nothing(index_elements=["email"])
        ids = dict(self.session.execute(statement.returning(Customer.email, Customer.id), rows).all())
        missing = [row["email"] for row in rows if row["email"] not in ids]
        if missing:
            found = select(Customer.email, Customer.id).where(Customer.email.in_(missing))
            ids |= dict(self.session.execute(found).all())
        for customer, row in zip(customers, rows, strict=True):
            customer.id = ids[row["email"]]

    def _write_cases(self, pending: list[PendingContact]) -> None:
        cases = list({id(e.case): e.case for e in pending if e.case is not None}.values())
        new = [case for case in cases if case.id is None]
        rows = [
            {
                "customer_id": case.customer.id,
                "subject": case.subject,
                "categories": case.categories,
                "severity": case.severity,
                "status": case.status,
                "opened_at": case.opened_at or utcnow(),
            }
            for case in new
        ]
        closed = []
        for case, new_id in zip(new, self._insert(Case, rows), strict=True):
            case.id = new_id
            email = case.customer.email
            audit.info(
                "%s: case %s opened: %s%s", email, new_id, ",".join(case.categories),
                " (closed: history)" if case.closed_reason else "", extra={"customer": email},
            )  # fmt: skip
            if case.closed_reason:
                closed.append(_event_by_mailflow(new_id, "resolve", {"reason": case.closed_reason}))
        if closed:
            self.session.execute(insert(CaseEvent), closed)
        for case in cases:
            if case.changed:
                values = {"categories": case.categories, "severity": case.severity}
                self.session.execute(update(Case).where(Case.id == case.id).values(**values))
                case.changed = False

    def _write_reopenings(self, pending: list[PendingContact], contact_ids: list[int]) -> None:
        """The buyer's complaint reopens a resolved case: a conditional UPDATE (a person who
        reopened or withdrew it meanwhile wins) and a "reopened" event naming the message.
        Rare: a batch without one costs no statement."""
        events = []
        for entry, contact_id in zip(pending, contact_ids, strict=True):
            case = entry.case
            if case is None or not case.reopening or case.reopened_by != entry.row["message_id"]:
                continue
            case.reopening = False
            reopened = self.session.execute(
                update(Case)
                .where(Case.id == case.id, Case.status == "resolved")
                .values(status="open", resolved_at=None, reopened=Case.reopened + 1)
            )
            if getattr(reopened, "rowcount", 0) != 1:
                continue
            message_id, email = entry.row["message_id"], case.customer.email
            # A satisfaction check still waiting would ask a buyer who just said it is not solved.
            checks = (Draft.case_id == case.id) & (Draft.kind == "satisfaction")
            cancel_waiting(self.session, checks, f"case {case.id} reopened by <{message_id}>", utcnow())
            detail = {"contact": contact_id, "message_id": message_id, "from": entry.row["sender"]}
            events.append(_event_by_mailflow(case.id, "reopen", detail))
            audit.info("%s: case %s reopened by <%s>", email, case.id, message_id, extra={"customer": email})
        if events:
            self.session.execute(insert(CaseEvent), events)

    def _write_attachments(self, pending: list[PendingContact], contact_ids: list[int]) -> None:
        rows: list[dict[str, Any]] = []
        evidence_for: list[tuple[int, int] | None] = []  # (case id, contact id) per attachment row
        for entry, contact_id in zip(pending, contact_ids, strict=True):
            for row in entry.attachments:
                rows.append({**row, "contact_id": contact_id})
                evidence = entry.case is not None and row["is_photo"] and entry.direction == "in"
                evidence_for.append(
                    (entry.case.id, contact_id) if evidence and entry.case and entry.case.id else None
                )
        if not any(evidence_for):
            if rows:
                self.session.execute(
                    insert(StoredAttachment), [_clamped(StoredAttachment, row) for row in rows]
                )
            return
        attachment_ids = self._insert(StoredAttachment, rows)
        evidence_rows = [
            {"case_id": link[0], "contact_id": link[1], "attachment_id": attachment_id, "at": utcnow()}
            for link, attachment_id in zip(evidence_for, attachment_ids, strict=True)
            if link is not None
        ]
        self.session.execute(insert(CaseEvidence), evidence_rows)


def _clamped(model: type[Any], row: dict[str, Any]) -> dict[str, Any]:
    """Strings cut to their column's length: spam with a 2,000-character name must not sink a batch."""
    limits = _LENGTHS.get(model)
    if limits is None:
        limits = {
            column.name: column.type.length
            for column in model.__table__.columns
            if isinstance(getattr(column.type, "length", None), int)
        }
        _LENGTHS[model] = limits
    return {
        key: value[: limits[key]] if key in limits and isinstance(value, str) else value
        for key, value in row.items()
    }


_LENGTHS: dict[type[Any], dict[str, int]] = {}


def _event_by_mailflow(case_id: int | None, action: str, detail: dict[str, Any]) -> dict[str, Any]:
    """A case_events row for a move mailflow made itself, named as a person's move is (case_states)."""
    return {
        "case_id": case_id,
        "at": utcnow(),
        "actor": "mailflow",
        "action": EVENTS[action],
        "detail": detail,
    }
