"""An escalated reminder level (issue 20): from the manager's mailbox, the manager copied, in the buyer's hours.

Through the real flow on SQLite and PostgreSQL: the tick drafts each level, a
person approves, the sender sends over the sending mailbox's SMTP account to
an aiosmtpd sink and files the copy in that mailbox's Sent folder on Dovecot.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine
from imapclient import IMAPClient

from mailflow.config import settings as config
from mailflow.config.settings import Settings
from mailflow.drafts.store import Outbox
from mailflow.inbound.ingest import Ingest
from mailflow.ledger.sheet_records import CustomerRecord, InvoiceRecord
from mailflow.ledger.store import Ledger
from mailflow.ops.daemon import Drafter
from mailflow.outbound.sender import Sender
from mailflow.review.accounts import Accounts
from mailflow.review.web.app import create_app
from mailflow.schedule.tick import Scheduler
from mailflow.store.engine import Store
from tests.support.cli import run_mailflow
from tests.support.dovecot import PASSWORD, Dovecot
from tests.support.memory_source import MemorySource
from tests.support.settings import write_settings
from tests.support.smtp_sink import running_sink

MADRID = ZoneInfo("Europe/Madrid")
BUYER, MANAGER = "maria@harbor-imports.example", "manager@ningbo-homeware.example"
SENT = "Gesendet"  # the test Dovecot's \Sent folder


def _settings(tmp_path: Path, db_url: str, dovecot: Dovecot, sales: str, manager: str, port: int) -> Settings:
    smtp = f'\n[mailbox.smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\n'
    path = write_settings(tmp_path, db_url, dovecot.port, sales, PASSWORD, extra=smtp)
    path.write_text(
        path.read_text()
        + f"""
[[mailbox]]
name = "manager"
address = "{MANAGER}"
display_name = "Wang Wei"
signature = "Wang Wei\\nSales Manager, Ningbo Homeware"
[mailbox.imap]
host = "127.0.0.1"
port = {dovecot.port}
security = "none"
username = "{manager}"
password = "{PASSWORD}"
{smtp}
[company]
name = "Ningbo Homeware"

[schedule]
mailbox = "sales"

[schedule.updates]
enabled = false

[[schedule.reminder]]
offset_days = 0
template = "due"

[[schedule.reminder]]
offset_days = 14
template = "firm"
from = "manager"
cc = ["{MANAGER}"]
"""
    )
    return config.load(path)


def _sent_folder(dovecot: Dovecot, user: str) -> list[EmailMessage]:
    with IMAPClient(dovecot.host, port=dovecot.port, ssl=False) as client:
        client.login(user, PASSWORD)
        client.select_folder(SENT, readonly=True)
        fetched = client.fetch(client.search(["ALL"]), ["BODY.PEEK[]"])
        return [message_from_bytes(data[b"BODY[]"], policy=policy.default) for data in fetched.values()]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=MADRID)


def _tick_approve_send(settings: Settings, store: Store, when: datetime) -> dict[str, object]:
    """At `when` (before the level is due): the tick drafts it, a person approves; sent once it is due."""
    outbox = Outbox(store)
    with time_machine.travel(when, tick=False):
        assert Scheduler(settings, store).tick().drafted == 1
    (draft,) = outbox.drafts("pending_review")
    draft_id = int(str(draft["id"]))
    outbox.decide(draft_id, "approved", "rep")
    with time_machine.travel(when + timedelta(minutes=5), tick=True):
        assert Sender(settings, store).run_until_empty() == {}  # approved early: it waits for its time
    with time_machine.travel(_at(when.date(), 10, 1), tick=True):
        assert Sender(settings, store).run_until_empty() == {"sent": 1}
    found = outbox.draft(draft_id)
    assert found is not None
    return found


def test_an_escalated_level_goes_from_the_manager_with_the_manager_copied_in_the_buyers_hours(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str
) -> None:
    manager_user = f"manager-{uuid.uuid4().hex[:10]}@ningbo-homeware.example"
    due = date(2026, 11, 26)  # a Thursday; the +14 level falls on Thursday 10 December
    with running_sink() as (handler, port):
        settings = _settings(tmp_path, db_url, dovecot, imap_user, manager_user, port)
        store = Store(settings.database_url)
        ledger = Ledger(store)
        ledger.import_customers([_buyer()])
        ledger.import_invoices("i.csv", [_invoice("INV-88", due)])

        # The due-date level: from the sales mailbox, nobody copied.
        first = _tick_approve_send(settings, store, _at(due, 7))
        assert first["mailbox"] == "sales" and first["cc"] == []
        # The escalation: drafted at 07:00 Madrid time, due at 10:00 (send_at), sent only then.
        escalated = _tick_approve_send(settings, store, _at(due + timedelta(days=14), 7))
        assert escalated["mailbox"] == "manager" and escalated["cc"] == [MANAGER]
        assert escalated["from"] == f"Wang Wei <{MANAGER}>"

        assert handler.senders == ["sales@ningbo-homeware.example", MANAGER]  # each identity's MAIL FROM
        assert handler.envelopes == [[BUYER], [BUYER, MANAGER]]
        plain, copied = (message_from_bytes(raw, policy=policy.default) for raw in handler.received)
        assert plain["Cc"] is None and "Sales Manager" not in plain.get_content()
        assert copied["From"].addresses[0].addr_spec == MANAGER
        assert copied["From"].addresses[0].display_name == "Wang Wei"
        assert [a.addr_spec for a in copied["Cc"].addresses] == [MANAGER]
        assert [a.addr_spec for a in copied["To"].addresses] == [BUYER]
        assert "INV-88" in copied["Subject"]
        assert re.search(
            r"Kind regards,\r?\nWang Wei\r?\nSales Manager, Ningbo Homeware", copied.get_content()
        )
        sent_at = datetime.fromisoformat(str(escalated["sent_at"])).astimezone(MADRID)
        assert (sent_at.date(), sent_at.weekday(), sent_at.hour) == (date(2026, 12, 10), 3, 10)

        # Each copy is in the Sent folder of the mailbox it went from, and only there.
        assert [m["Message-ID"] for m in _sent_folder(dovecot, manager_user)] == [copied["Message-ID"]]
        assert [m["Message-ID"] for m in _sent_folder(dovecot, imap_user)] == [plain["Message-ID"]]
        outbound = {c["message_id"]: c["mailbox"] for c in store.contacts() if c["direction"] == "out"}
        assert outbound == {first["message_id"]: "sales", escalated["message_id"]: "manager"}

        # The manager's copy arriving in the manager's own (watched) inbox: our own mail, logged once,
        # never answered.
        arrived = Ingest(settings, store).sync_folder(
            MemorySource([handler.received[1]]), settings.mailboxes[1], "INBOX"
        )
        assert (arrived.fetched, arrived.recorded, arrived.duplicates) == (1, 0, 1)
        assert Drafter(settings, store).run() == 0

        # The reviewer sees who it goes from and who is copied.
        page = _review_page(settings, store, int(str(escalated["id"])))
        assert f"Wang Wei &lt;{MANAGER}&gt;" in page and f'<span id="draft-cc">{MANAGER}</span>' in page
        shown = run_mailflow(settings.path, "drafts", "show", str(escalated["id"])).stdout
        assert f"From: Wang Wei <{MANAGER}>\nTo: {BUYER}\nCc: {MANAGER}\n" in shown
        store.close()


def _review_page(settings: Settings, store: Store, draft_id: int) -> str:
    Accounts(store).add("reviewer", "correct horse battery")
    app = create_app(settings, store, secret_key=b"t" * 32)
    client = app.test_client()
    client.environ_base["HTTP_ORIGIN"] = "http://localhost"
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login)
    assert token is not None
    form = {"username": "reviewer", "password": "correct horse battery", "csrf_token": token.group(1)}
    assert client.post("/login", data=form).status_code == 302
    return client.get(f"/drafts/{draft_id}").get_data(as_text=True)


def _buyer() -> CustomerRecord:
    return CustomerRecord(
        email=BUYER, name="Maria Lopez", company="Harbor Imports", country="ES", language="en",
        timezone="Europe/Madrid", class_set="", annual_sales=None, opted_out=False,
    )  # fmt: skip


def _invoice(number: str, due: date) -> InvoiceRecord:
    return InvoiceRecord(
        row=2, number=number, customer_email=BUYER, amount=Decimal("4200"), currency="EUR",
        issued=due - timedelta(days=30), due=due, paid_amount=Decimal("0"), paid_on=None, order_ref="PO 4500123",
    )  # fmt: skip


def test_the_preview_names_an_escalated_levels_mailbox_and_copies(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str
) -> None:
    # The real command, so the clock is the machine's: an invoice due tomorrow shows both levels.
    settings = _settings(tmp_path, db_url, dovecot, imap_user, "manager@ningbo-homeware.example", 2525)
    store = Store(settings.database_url)
    ledger = Ledger(store)
    ledger.import_customers([_buyer()])
    tomorrow = datetime.now(MADRID).date() + timedelta(days=1)
    ledger.import_invoices("i.csv", [_invoice("INV-88", tomorrow)])
    store.close()
    until = (tomorrow + timedelta(days=30)).isoformat()
    shown = run_mailflow(settings.path, "schedule", "preview", "--until", until, "--json")
    assert shown.returncode == 0, shown.stderr
    levels = {item["key"]: item for item in json.loads(shown.stdout)}
    assert "from" not in levels["reminder:INV-88:+0"] and "cc" not in levels["reminder:INV-88:+0"]
    escalated = levels["reminder:INV-88:+14"]
    assert (escalated["from"], escalated["cc"], escalated["invoice"]) == ("manager", [MANAGER], "INV-88")
