"""A batch's rows go in a handful of statements on SQLite and PostgreSQL, each row linked to its own."""

from __future__ import annotations

from dataclasses import replace
from email.message import EmailMessage
from typing import Any

from sqlalchemy import event, select

from mailflow.config.rules import default_ruleset
from mailflow.demo.messages import fake_jpeg
from mailflow.inbound.pipeline import Processed, process
from mailflow.inbound.recording import record_batch
from mailflow.store.engine import Store
from mailflow.store.models import Case, CaseEvidence, Contact, Customer, StoredAttachment

RULES = replace(default_ruleset(), model="off")  # the plumbing, not the model
OWN = frozenset({"sales@ningbo-homeware.example"})


def _complaint_with_photo(uid: int) -> bytes:
    """A new buyer each time: every message opens a case and its photo becomes the case's evidence."""
    msg = EmailMessage()
    msg["From"] = f"Buyer {uid} <buyer{uid}@importer{uid}.example>"
    msg["To"] = "sales@ningbo-homeware.example"
    msg["Subject"] = f"Order {uid}: broken mugs"
    msg["Message-ID"] = f"<m{uid}@importer.example>"
    msg.set_content("The mugs arrived broken and the cartons were crushed. Please advise.")
    msg.add_attachment(fake_jpeg(40_000, uid), maintype="image", subtype="jpeg", filename=f"IMG_{uid}.jpg")
    return msg.as_bytes()


def _batch(uids: range) -> list[Processed]:
    batch = [process(uid, _complaint_with_photo(uid), RULES, OWN) for uid in uids]
    assert all(isinstance(item, Processed) for item in batch)
    return [item for item in batch if isinstance(item, Processed)]


def _record(store: Store, batch: list[Processed]) -> None:
    stored = {attachment.sha256: True for item in batch for attachment in item.mail.attachments}
    outcome = record_batch(store, "sales", "INBOX", 1, batch, stored, last_uid=max(i.uid for i in batch))
    assert outcome.recorded == len(batch)


def test_a_batch_of_forty_complaints_with_photos_takes_a_handful_of_inserts(db_url: str) -> None:
    store = Store(db_url)
    store.create_schema()
    _record(store, _batch(range(1, 6)))  # ids no longer start at 1
    inserts: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            inserts.append(statement.split("(", 1)[0])

    event.listen(store.engine, "before_cursor_execute", count)
    _record(store, _batch(range(6, 46)))
    event.remove(store.engine, "before_cursor_execute", count)
    # customers, cases, contacts, attachments, evidence: one each (SQLite used to send one per row)
    assert len(inserts) <= 6, inserts
    store.close()


def test_each_contact_keeps_its_own_customer_case_and_photo(db_url: str) -> None:
    store = Store(db_url)
    store.create_schema()
    _record(store, _batch(range(1, 4)))
    _record(store, _batch(range(4, 31)))
    with store.sessions() as session:
        contacts = session.execute(
            select(Contact.id, Contact.uid, Contact.customer_id, Contact.case_id, Customer.email).join(
                Customer, Contact.customer_id == Customer.id
            )
        ).all()
        photos = dict(session.execute(select(StoredAttachment.contact_id, StoredAttachment.filename)).all())
        case_owners = dict(session.execute(select(Case.id, Case.customer_id)).all())
        evidence = session.execute(
            select(CaseEvidence.case_id, CaseEvidence.contact_id, StoredAttachment.contact_id).join(
                StoredAttachment, CaseEvidence.attachment_id == StoredAttachment.id
            )
        ).all()
    assert len(contacts) == 30 and len(evidence) == 30
    for contact_id, uid, customer_id, case_id, email in contacts:
        assert email == f"buyer{uid}@importer{uid}.example"
        assert photos[contact_id] == f"IMG_{uid}.jpg"
        assert case_owners[case_id] == customer_id
    by_contact = {contact_id: case_id for contact_id, _, _, case_id, _ in contacts}
    for case_id, contact_id, photo_contact_id in evidence:
        assert contact_id == photo_contact_id and by_contact[contact_id] == case_id
    store.close()
