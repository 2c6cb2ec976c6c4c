"""A buyer writing again on a resolved case, through a real Dovecot: within `[cases] reopen_days` the
case reopens (and is acknowledged again); later, the complaint opens a new case."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
import time_machine
from imapclient import IMAPClient

from mailflow.drafts.store import Outbox
from mailflow.ops.daemon import run_once
from mailflow.review.case_moves import CaseDesk
from mailflow.review.case_views import CaseViews
from mailflow.store.engine import Store
from tests.support.dovecot import PASSWORD, Dovecot
from tests.support.settings import load_settings, write_settings

pytestmark = pytest.mark.dovecot


def _reply(message_id: str, thread: list[str], body: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Maria Lopez <maria@harbor-imports.example>"
    msg["To"] = "sales@ningbo-homeware.example"
    msg["Subject"] = "Re: Crushed cartons PO 4500123" if thread else "Crushed cartons PO 4500123"
    msg["Message-ID"] = message_id
    if thread:
        msg["In-Reply-To"], msg["References"] = thread[-1], " ".join(thread)
    msg.set_content(body)
    return msg.as_bytes()


def test_a_complaint_on_day_5_reopens_the_resolved_case_and_on_day_20_opens_a_new_one(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient, db_url: str
) -> None:
    path = write_settings(
        tmp_path, db_url, dovecot.port, imap_user, PASSWORD, extra="\n[cases]\nreopen_days = 10\n"
    )
    settings = load_settings(path)
    store = Store(settings.database_url)
    desk, views, outbox = CaseDesk(store, settings), CaseViews(store, "UTC"), Outbox(store)
    # In the past: Dovecot keeps an INTERNALDATE from the past, but takes the present for a future one.
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=28)

    def arrives(day: float, raw: bytes) -> None:
        """The buyer's mail reaches the server on `day` (its INTERNALDATE) and mailflow runs then."""
        with time_machine.travel(start + timedelta(days=day), tick=True):
            imap_client.append("INBOX", raw, msg_time=datetime.now(UTC))
            assert run_once(settings, store, lambda line: None) == 0

    with time_machine.travel(start, tick=True):
        assert run_once(settings, store, lambda line: None) == 0  # the first look: an empty folder
    arrives(0, _reply("<c1@x>", [], "30 cartons arrived crushed, the mugs inside are broken."))
    (case,) = views.cases(datetime.now(UTC))
    desk.resolve(case["id"], "li", start + timedelta(days=1))

    arrives(6, _reply("<c2@x>", ["<c1@x>"], "The replacement cartons arrived crushed again. Not solved."))
    (reopened,) = views.cases(datetime.now(UTC))
    assert (reopened["status"], reopened["reopened"], reopened["resolved_at"]) == ("open", 1, None)
    shown = views.case(case["id"], datetime.now(UTC))
    assert shown is not None
    event = shown["timeline"][-1]
    contact = shown["messages"][-1]
    assert (event["action"], event["actor"], event["detail"]["contact"]) == (
        "reopened",
        "mailflow",
        contact["id"],
    )
    keys = [draft["idempotency_key"] for draft in outbox.drafts() if draft["kind"] == "ack"]
    assert keys == [f"ack:case:{case['id']}", f"ack:case:{case['id']}:reopen-1"]  # "still broken" is answered

    desk.resolve(case["id"], "li", start + timedelta(days=7))
    arrives(
        27, _reply("<c3@x>", ["<c1@x>", "<c2@x>"], "Again 12 cartons crushed on the new order, mugs broken.")
    )
    old, new = views.cases(datetime.now(UTC))
    assert (old["id"], old["status"], old["reopened"]) == (case["id"], "resolved", 1)
    assert new["status"] == "open" and new["customer"] == "maria@harbor-imports.example"
    assert [m["subject"] for m in (views.case(new["id"], datetime.now(UTC)) or {})["messages"]] == [
        "Re: Crushed cartons PO 4500123"
    ]
    store.close()
