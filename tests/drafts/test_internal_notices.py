"""Internal notices of complaint cases (drafts/internal): what they carry, to whom, and when never."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from mailflow.config.notify import NotifySettings
from mailflow.config.settings import Settings
from mailflow.drafts.acknowledgements import AckCandidate
from mailflow.drafts.internal import (
    MAX_ATTACHED_BYTES,
    InternalCandidate,
    Photo,
    attached_photos,
    notice_context,
    notice_recipients,
)
from mailflow.drafts.store import Outbox
from mailflow.drafts.template_check import sample_context
from mailflow.drafts.templates import Templates
from mailflow.inbound.ingest import Ingest
from mailflow.ops.daemon import Drafter
from mailflow.review.case_moves import CaseDesk
from mailflow.store.engine import Store
from tests.support.memory_source import MemorySource
from tests.support.settings import load_settings, write_settings
from tests.support.template_contexts import context_names

NOTIFY = '\n[cases.notify]\nquality = ["qc@ningbo-homeware.example"]\n'
MB = 1024 * 1024


def _photo(number: int, size: int, stored: bool = True) -> Photo:
    return Photo(number, f"IMG_{number}.jpg", "image/jpeg", size, stored)


def test_photos_are_attached_in_order_up_to_the_cap_and_the_rest_named_with_why() -> None:
    photos = (
        _photo(1, 4 * MB),
        _photo(2, 5 * MB),
        _photo(3, 2 * MB),
        _photo(4, 1 * MB),
        _photo(5, 10, False),
    )
    attached, left_out = attached_photos(photos)
    assert [photo.attachment_id for photo in attached] == [1, 2, 4]
    assert sum(photo.size for photo in attached) <= MAX_ATTACHED_BYTES
    assert [(entry["filename"], entry["why"]) for entry in left_out] == [
        ("IMG_3.jpg", "over the 10 MB one notice carries"),
        ("IMG_5.jpg", "not stored: over storage.max_attachment_mb"),
    ]


def _candidate(**changes: object) -> AckCandidate:
    fields: dict[str, object] = {
        "case_id": 17, "case_subject": "Cracked mugs", "case_severity": "high", "case_categories": ["quality"],
        "contact_id": 3, "mailbox": "sales", "message_id": "m@x", "thread_refs": [], "sender": "maria@harbor.example",
        "reply_to": "", "subject": "Cracked mugs", "body": "Cracked.", "at": datetime.now(UTC), "tags": [],
        "reasons": [], "language": "en", "references": [], "photos": True, "customer_id": 1,
        "customer_email": "maria@harbor.example", "customer_name": "Maria", "customer_company": "Harbor",
    }  # fmt: skip
    return AckCandidate(**(fields | changes))  # type: ignore[arg-type]


def test_the_buyer_and_our_own_mailboxes_are_never_notified() -> None:
    notify = NotifySettings(
        {
            "quality": ("qc@ningbo-homeware.example", "maria@harbor.example", "reply@harbor.example"),
            "shipping": ("sales@ningbo-homeware.example", "logistics@ningbo-homeware.example"),
        }
    )
    own = frozenset({"sales@ningbo-homeware.example"})
    message = _candidate(case_categories=["quality", "complaint:shipping"], reply_to="Reply@Harbor.example")
    assert notice_recipients(notify, message, own) == [
        "qc@ningbo-homeware.example",
        "logistics@ningbo-homeware.example",
    ]


def test_a_notice_gives_its_template_exactly_what_templates_check_tries(tmp_path: Path) -> None:
    site = 'site_url = "https://mailflow.example.com"\n'
    settings = load_settings(
        write_settings(tmp_path, "sqlite://", 1, "u", "p", extra=NOTIFY + site, migrate=False)
    )
    candidate = InternalCandidate(_candidate(), (_photo(1, MB), _photo(2, MB, stored=False)), ())
    attached, left_out = attached_photos(candidate.photos)
    context = notice_context(candidate, settings.mailboxes[0], settings, attached, left_out, first=True)
    assert context_names(context) == context_names(sample_context(kind="internal", photos=True))


def _mail(message_id: str, photo: bool = True, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Maria Lopez <maria@harbor-imports.example>"
    message["To"] = "sales@ningbo-homeware.example"
    message["Subject"] = "Cracked mugs, PO 4500123"
    message["Message-ID"] = f"<{message_id}>"
    message["Date"] = format_datetime(datetime.now(UTC))
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("Half of the mugs arrived cracked; the glaze is broken.")
    if photo:
        message.add_attachment(
            b"\xff\xd8\xff\xe0photo\xff\xd9", maintype="image", subtype="jpeg", filename="a.jpg"
        )
    return message.as_bytes()


def _setup(tmp_path: Path, db_url: str, extra: str = NOTIFY) -> tuple[Settings, Store]:
    path = write_settings(tmp_path, db_url, 1, "u", "p")
    path.write_text(path.read_text() + extra)
    settings = load_settings(path)
    return settings, Store(settings.database_url)


def _internal(store: Store) -> list[dict[str, object]]:
    return [draft for draft in Outbox(store).drafts() if draft["kind"] == "internal"]


def test_a_notice_is_approved_at_once_whatever_review_says_and_drafted_once(
    tmp_path: Path, db_url: str
) -> None:
    settings, store = _setup(tmp_path, db_url, '\n[review]\nack = "required"\n' + NOTIFY)
    Ingest(settings, store).sync_folder(MemorySource([_mail("c@x")]), settings.mailboxes[0], "INBOX")
    drafter = Drafter(settings, store)
    assert drafter.run() == 1 and drafter.notified == 1
    assert drafter.run() == 0 and drafter.notified == 0  # a re-run writes nothing twice
    (notice,) = _internal(store)
    assert (notice["status"], notice["to"], notice["in_reply_to"]) == (
        "approved",
        ["qc@ningbo-homeware.example"],
        "",
    )
    assert str(notice["idempotency_key"]).startswith("internal:case:") and ":contact:" in str(
        notice["idempotency_key"]
    )
    store.close()


def test_automatic_mail_and_history_get_no_notice(tmp_path: Path, db_url: str) -> None:
    settings, store = _setup(tmp_path, db_url)
    mailbox, drafter = settings.mailboxes[0], Drafter(settings, store)
    history = MemorySource([_mail("h@x")], uidvalidity=2, already_there=1)  # there before mailflow looked
    Ingest(settings, store).sync_folder(history, mailbox, "Archive")
    drafter.run()
    assert drafter.notified == 0
    Ingest(settings, store).sync_folder(MemorySource([_mail("c@x", photo=False)]), mailbox, "INBOX")
    drafter.run()
    assert drafter.notified == 1  # the new complaint's case opened
    # A robot's photos in the case's thread (its case takes them as evidence) are no news to tell.
    robot = _mail("r@x", In_Reply_To="<c@x>", Auto_Submitted="auto-generated")
    Ingest(settings, store).sync_folder(MemorySource([robot], uidvalidity=3), mailbox, "Robots")
    drafter.run()
    assert drafter.notified == 0 and len(_internal(store)) == 1
    assert sum(case["evidence"] for case in store.cases()) == 2  # both photos did reach a case
    store.close()


def test_a_reopened_case_is_told_again_and_only_then_does_its_acknowledgement_speak_of_the_meeting(
    tmp_path: Path, db_url: str
) -> None:
    settings, store = _setup(tmp_path, db_url)
    mailbox, drafter = settings.mailboxes[0], Drafter(settings, store)
    Ingest(settings, store).sync_folder(MemorySource([_mail("c@x", photo=False)]), mailbox, "INBOX")
    drafter.run()
    assert drafter.notified == 1
    ((case_id, *_),) = [(case["id"],) for case in store.cases()]
    CaseDesk(store, settings).resolve(case_id, "rep", datetime.now(UTC))
    # "Still cracked": no photos, but the case reopens, and QC has not heard of it since.
    again = _mail("d@x", photo=False, In_Reply_To="<c@x>")
    Ingest(settings, store).sync_folder(MemorySource([again], uidvalidity=3), mailbox, "Later")
    drafter.run()
    assert drafter.notified == 1 and len(_internal(store)) == 2
    (reopen_ack,) = [
        draft for draft in Outbox(store).drafts() if str(draft["idempotency_key"]).endswith(":reopen-1")
    ]
    assert "production and inspection departments" in str(reopen_ack["body"])
    drafter.run()
    assert drafter.notified == 0  # told once per reopening
    store.close()


def test_a_notice_without_photos_says_whether_our_reply_asks_for_them(tmp_path: Path) -> None:
    settings = load_settings(write_settings(tmp_path, "sqlite://", 1, "u", "p", extra=NOTIFY, migrate=False))
    texts = {}
    for kind in ("damage", "delay"):
        candidate = InternalCandidate(
            _candidate(tags=["complaint:shipping", f"detail:{kind}"], photos=False), (), ()
        )
        context = notice_context(candidate, settings.mailboxes[0], settings, [], [], first=True)
        texts[kind] = Templates(None).render("internal.case.en", context).text
    assert "our reply asks the buyer for them" in texts["damage"]
    assert "about a delay, and our reply asks for none" in texts["delay"]
    assert "asks the buyer for them" not in texts["delay"]
