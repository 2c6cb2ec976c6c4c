"""Issue #20 end to end: a complaint with photos in Dovecot -> `run --once` -> QC's notice at the SMTP sink.

The people `[cases.notify]` names for the case's categories get the case and the buyer's photos as
files, in one thread per case, sent without review; nobody else does, and the buyer's
acknowledgement says production and inspection are looking at it only when they were told.
"""

from __future__ import annotations

import os
import uuid
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from imapclient import IMAPClient

from mailflow.config import settings as config
from mailflow.drafts.store import Outbox
from mailflow.ops.daemon import run_once
from mailflow.store.engine import Store
from tests.support.dovecot import PASSWORD, Dovecot
from tests.support.settings import write_settings
from tests.support.smtp_sink import FaultyHandler

BUYER = "Maria Lopez <maria@harbor-imports.example>"
QC = "qc@ningbo-homeware.example"
DEPARTMENTS = "meeting with our production and inspection departments"
PHOTOS = {
    name: b"\xff\xd8\xff\xe0" + os.urandom(5_000) + b"\xff\xd9" for name in ("crack-1.jpg", "crack-2.jpg")
}


def _mail(body: str, photos: dict[str, bytes], answers: str = "") -> tuple[str, bytes]:
    message = EmailMessage()
    message["From"], message["To"] = BUYER, "sales@ningbo-homeware.example"
    message["Subject"] = ("Re: " if answers else "") + "Cracked mugs, PO 4500123"
    message_id = f"{uuid.uuid4().hex}@harbor-imports.example"
    message["Message-ID"] = f"<{message_id}>"
    if answers:
        message["In-Reply-To"] = message["References"] = f"<{answers}>"
    message.set_content(body)
    for name, data in photos.items():
        message.add_attachment(data, maintype="image", subtype="jpeg", filename=name)
    return message_id, message.as_bytes()


def _store(
    tmp_path: Path, db_url: str, dovecot: Dovecot, user: str, port: int, notify: str
) -> tuple[object, Store]:
    smtp = f'\n[mailbox.smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
    path = write_settings(tmp_path, db_url, dovecot.port, user, PASSWORD, extra=smtp + notify)
    settings = config.load(path)
    store = Store(settings.database_url)
    assert run_once(settings, store, [].append) == 0  # the first sync: from here on mail is new
    return settings, store


def _received(handler: FaultyHandler) -> list[EmailMessage]:
    parsed = [message_from_bytes(raw, policy=policy.default) for raw in handler.received]
    return [message for message in parsed if isinstance(message, EmailMessage)]


def _photos(message: EmailMessage) -> dict[str, bytes]:
    return {str(part.get_filename()): part.get_content() for part in message.iter_attachments()}


def test_qc_gets_the_photos_in_one_thread_per_case_and_the_buyer_hears_they_are_looking(
    tmp_path: Path,
    db_url: str,
    dovecot: Dovecot,
    imap_user: str,
    imap_client: IMAPClient,
    sink: tuple[FaultyHandler, int],
) -> None:
    handler, port = sink
    # The buyer's own address and our own mailbox are left out, whatever the list says.
    notify = f"""
[cases.notify]
quality = ["{QC}", "maria@harbor-imports.example", "sales@ningbo-homeware.example"]
shipping = ["logistics@ningbo-homeware.example"]
"""
    settings, store = _store(tmp_path, db_url, dovecot, imap_user, port, notify)
    first_id, complaint = _mail("Half of the mugs arrived cracked; the glaze is broken.", PHOTOS)
    imap_client.append("INBOX", complaint)
    lines: list[str] = []
    assert run_once(settings, store, lines.append) == 0, lines
    assert "1 internal notice(s) drafted" in lines and "outbox: 1 sent" in lines

    (notice,) = _received(handler)
    assert handler.envelopes == [[QC]] and notice["To"] == QC
    assert _photos(notice) == PHOTOS
    assert notice["Subject"].startswith("[Case ") and "Cracked mugs, PO 4500123" in notice["Subject"]
    text = next(notice.iter_parts()).get_content()
    assert "Half of the mugs arrived cracked" in text and "References: PO 4500123" in text
    assert "complaint:quality" in text and "Attached: 2 photo(s)" in text
    (ack,) = Outbox(store).drafts("pending_review")  # the buyer's answer still waits for a person
    assert ack["kind"] == "ack" and DEPARTMENTS in ack["body"]

    # The buyer sends one more photo in the same thread: a second notice, answering the first.
    more = {"crack-3.jpg": b"\xff\xd8\xff\xe0" + os.urandom(3_000) + b"\xff\xd9"}
    imap_client.append("INBOX", _mail("One more photo of the worst one.", more, answers=first_id)[1])
    assert run_once(settings, store, lines.append) == 0
    first, second = _received(handler)
    assert handler.envelopes == [[QC], [QC]] and _photos(second) == more
    assert second["In-Reply-To"] == first["Message-ID"]
    assert first["Message-ID"] in second["References"].split()
    assert second["Subject"] == f"Re: {first['Subject']}"

    # Words without photos on the open case are no news to QC.
    imap_client.append("INBOX", _mail("When will you answer us?", {}, answers=first_id)[1])
    assert run_once(settings, store, lines.append) == 0
    assert len(handler.received) == 2
    notices = [draft for draft in Outbox(store).drafts() if draft["kind"] == "internal"]
    assert [(draft["status"], draft["policy"], len(draft["attachments"])) for draft in notices] == [
        ("sent", "auto", 2),
        ("sent", "auto", 1),
    ]
    # A notice is no answer to the buyer: the contact log keeps it apart from the case and the customer.
    out = [contact for contact in store.contacts() if contact["direction"] == "out"]
    assert len(out) == 2 and all(contact["case"] is None and contact["customer"] is None for contact in out)

    # QC answers the notice, in complaint words: logged, but QC is no buyer. No customer, no case,
    # nothing drafted to QC.
    reply = EmailMessage()
    reply["From"], reply["To"] = f"Wang Qiang <{QC.upper()}>", "sales@ningbo-homeware.example"
    reply["Subject"], reply["Message-ID"] = f"Re: {second['Subject']}", "<qc-1@ningbo-homeware.example>"
    reply["In-Reply-To"] = reply["References"] = second["Message-ID"]
    reply.set_content("Checked batch 2231: the mugs are cracked, the glaze is too thin. Our fault.")
    imap_client.append("INBOX", reply.as_bytes())
    drafts_before = len(Outbox(store).drafts())
    assert run_once(settings, store, lines.append) == 0
    (logged,) = [contact for contact in store.contacts() if "qc-1@" in contact["message_id"]]
    assert logged["direction"] == "in" and logged["customer"] is None and logged["case"] is None
    assert len(Outbox(store).drafts()) == drafts_before and len(handler.received) == 2
    store.close()


@pytest.mark.parametrize(
    "notify",
    ["", '[cases.notify]\nshipping = ["logistics@ningbo-homeware.example"]\n'],
    ids=["no-notify", "other-category"],
)
def test_without_addresses_for_its_category_nobody_is_told_and_the_ack_promises_no_meeting(
    tmp_path: Path,
    db_url: str,
    dovecot: Dovecot,
    imap_user: str,
    imap_client: IMAPClient,
    sink: tuple[FaultyHandler, int],
    notify: str,
) -> None:
    handler, port = sink
    settings, store = _store(tmp_path, db_url, dovecot, imap_user, port, notify)
    imap_client.append("INBOX", _mail("Half of the mugs arrived cracked; the glaze is broken.", PHOTOS)[1])
    lines: list[str] = []
    assert run_once(settings, store, lines.append) == 0, lines
    assert handler.received == [] and not any("internal notice" in line for line in lines)
    (ack,) = Outbox(store).drafts()
    assert ack["kind"] == "ack" and DEPARTMENTS not in ack["body"]
    assert "production and quality inspection" in ack["body"]  # the shipped text, unchanged
    store.close()
