"""Acknowledgement drafts from recorded complaints, and their review, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from mailflow.config.settings import Settings
from mailflow.drafts.states import ReviewError
from mailflow.drafts.store import Outbox
from mailflow.inbound.ingest import Ingest
from mailflow.ops.daemon import Drafter
from mailflow.store.engine import Store
from tests.support.memory_source import MemorySource
from tests.support.settings import load_settings, write_settings


def _mail(
    subject: str,
    body: str,
    message_id: str,
    sender: str = "Maria Lopez <maria@harbor-imports.example>",
    **headers: str,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "sales@ningbo-homeware.example"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{message_id}>"
    msg["Date"] = format_datetime(datetime.now(UTC))
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def _setup(tmp_path: Path, db_url: str, extra: str = "") -> tuple[Settings, Store, Path]:
    path = write_settings(tmp_path, db_url, 1, "u", "p")
    path.write_text(path.read_text() + extra)
    settings = load_settings(path)
    store = Store(settings.database_url)
    store.create_schema()
    return settings, store, path


def _ingest(settings: Settings, store: Store, messages: list[bytes]) -> int:
    Ingest(settings, store).sync_folder(MemorySource(messages), settings.mailboxes[0], "INBOX")
    return Drafter(settings, store).run()


def test_a_complaint_gets_one_acknowledgement_threaded_to_it(tmp_path: Path, db_url: str) -> None:
    settings, store, _ = _setup(tmp_path, db_url)
    complaint = _mail(
        "Crushed cartons",
        "30 cartons arrived crushed.",
        "c1@harbor.example",
        Reply_To="claims@harbor-imports.example",
    )
    assert _ingest(settings, store, [complaint]) == 1
    (draft,) = Outbox(store).drafts()
    assert (draft["kind"], draft["status"]) == ("ack", "pending_review")
    assert draft["template"] == "ack.shipping.damage.en"
    assert draft["to"] == ["claims@harbor-imports.example"]
    assert draft["subject"] == "Re: Crushed cartons"
    assert draft["in_reply_to"] == "c1@harbor.example" and draft["references"] == ["c1@harbor.example"]
    assert draft["message_id"].endswith("@ningbo-homeware.example")
    assert draft["idempotency_key"] == f"ack:case:{draft['case']}"
    assert draft["tags"] == ["complaint:shipping", "detail:damage"]
    assert draft["reasons"] == ["shipping: Crushed", "shipping detail: Crushed"]
    assert "photos of" in draft["body"] and "shipping marks" in draft["body"]
    assert " I " not in draft["body"]
    store.close()


def test_at_most_one_acknowledgement_per_case_ever(tmp_path: Path, db_url: str) -> None:
    settings, store, _ = _setup(tmp_path, db_url)
    first = _mail("Broken mugs", "The mugs are broken.", "m1@harbor.example")
    follow = _mail(
        "Re: Broken mugs",
        "More are broken, photos attached.",
        "m2@harbor.example",
        In_Reply_To="<m1@harbor.example>",
    )
    assert _ingest(settings, store, [first]) == 1
    assert _ingest(settings, store, [first, follow]) == 0
    assert Drafter(settings, store).run() == 0
    assert len(Outbox(store).drafts()) == 1
    store.close()


def test_automatic_mail_and_our_own_mail_get_no_draft(tmp_path: Path, db_url: str) -> None:
    settings, store, _ = _setup(tmp_path, db_url)
    vacation = _mail(
        "Out of office: broken mugs", "The mugs are broken.", "v@x", Auto_Submitted="auto-replied"
    )
    ours = _mail("Broken mugs", "We hear the mugs are broken.", "o@x", sender="sales@ningbo-homeware.example")
    assert _ingest(settings, store, [vacation, ours]) == 0
    store.close()


def test_the_buyers_language_picks_the_template(tmp_path: Path, db_url: str) -> None:
    settings, store, _ = _setup(tmp_path, db_url)
    chinese = _mail("质量问题", "这批杯子有很多开裂，质量太差了。", "zh@x")
    spanish = _mail("Pedido 7781", "Los platos llegaron rotos.", "es@x", sender="carlos@casa-ruiz.example")
    klingon = _mail("Broken", "The mugs are broken. Qapla!", "en@x", sender="worf@x.example")
    _ingest(settings, store, [chinese, spanish, klingon])
    assert sorted(d["template"] for d in Outbox(store).drafts()) == [
        "ack.quality.breakage.en",
        "ack.quality.breakage.es",
        "ack.quality.breakage.zh",
    ]
    store.close()


def test_a_sender_gets_at_most_the_daily_limit_of_automatic_replies(tmp_path: Path, db_url: str) -> None:
    settings, store, _ = _setup(tmp_path, db_url, "\n[replies]\nmax_per_sender_per_day = 2\n")
    loop = [
        _mail(f"Broken mugs {i}", "The mugs are broken.", f"loop{i}@x", sender="robot@autoresponder.example")
        for i in range(5)
    ]
    _ingest(settings, store, loop)
    assert len(Outbox(store).drafts()) == 2
    store.close()


def test_a_broken_template_drafts_nothing_but_the_message_is_logged(
    tmp_path: Path, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    templates = tmp_path / "tpl"
    templates.mkdir()
    # The operator's ack.quality.breakage.en replaces the shipped one; broken mugs are quality breakage.
    (templates / "ack.quality.breakage.en.subject.j2").write_text("{{ message.subject }}")
    (templates / "ack.quality.breakage.en.txt.j2").write_text("Dear {{ customer.nickname }}, photos please.")
    settings, store, _ = _setup(tmp_path, db_url, "")
    path = tmp_path / "settings.toml"
    path.write_text(
        path.read_text().replace(
            f'dir = "{Path(__file__).resolve().parents[2] / "mailflow" / "drafts" / "shipped_templates"}"',
            f'dir = "{templates}"',
        )
    )
    settings = load_settings(path)
    assert _ingest(settings, store, [_mail("Broken", "The mugs are broken.", "b@x")]) == 0
    assert [c["message_id"] for c in store.contacts()] == ["b@x"]
    assert any(
        "no acknowledgement drafted" in r.getMessage() and "nickname" in r.getMessage()
        for r in caplog.records
    )
    store.close()


def test_buyer_text_with_template_syntax_is_quoted_as_text(tmp_path: Path, db_url: str) -> None:
    settings, store, _ = _setup(tmp_path, db_url)
    _ingest(
        settings, store, [_mail("{{ 7*7 }} broken {% raw %}", "The mugs are broken {{ config }}.", "t@x")]
    )
    (draft,) = Outbox(store).drafts()
    assert draft["subject"] == "Re: {{ 7*7 }} broken {% raw %}"
    store.close()


def test_review_decisions_are_kept_and_only_valid_ones_apply(tmp_path: Path, db_url: str) -> None:
    settings, store, _ = _setup(tmp_path, db_url)
    _ingest(
        settings,
        store,
        [
            _mail("Broken", "The mugs are broken.", "r1@x"),
            _mail("Crushed", "Cartons crushed.", "r2@x", sender="b@y.example"),
        ],
    )
    outbox = Outbox(store)
    first, second = outbox.drafts()
    assert outbox.decide(first["id"], "approved", "lin") == "approved"
    with pytest.raises(ReviewError, match="approved cannot be approved"):
        outbox.decide(first["id"], "approved", "lin")
    assert outbox.decide(second["id"], "rejected", "lin", detail="customer already called") == "rejected"
    with pytest.raises(ReviewError, match="rejected cannot be approved"):
        outbox.decide(second["id"], "approved", "wang")
    shown = outbox.draft(second["id"])
    assert shown is not None
    assert [(e["actor"], e["action"], e["detail"]) for e in shown["events"]][1:] == [
        ("lin", "rejected", "customer already called")
    ]
    store.close()


def test_the_cli_approves_with_an_edit_kept_as_a_diff(tmp_path: Path, db_url: str) -> None:
    settings, store, path = _setup(tmp_path, db_url)
    _ingest(settings, store, [_mail("Broken", "The mugs are broken.", "e1@x")])
    store.close()
    editor = tmp_path / "editor.sh"
    editor.write_text("#!/bin/sh\nsed -i 's/We are sorry/We are very sorry/' \"$1\"\n")
    editor.chmod(0o755)
    env = {**os.environ, "EDITOR": str(editor), "MAILFLOW_REVIEWER": "lin.manager"}

    def mailflow(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "mailflow", "--config", str(path), *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False, env=env)

    (draft,) = json.loads(mailflow("drafts", "list", "--status", "pending_review", "--json").stdout)
    assert {
        "id",
        "kind",
        "status",
        "customer",
        "to",
        "subject",
        "body",
        "message_id",
        "in_reply_to",
        "references",
        "tags",
    } <= set(draft)
    done = mailflow("drafts", "approve", str(draft["id"]), "--edit")
    assert done.returncode == 0, done.stderr
    (approved,) = json.loads(mailflow("drafts", "list", "--status", "approved", "--json").stdout)
    assert "We are very sorry" in approved["body"]
    shown = mailflow("drafts", "show", str(draft["id"])).stdout
    assert "lin.manager: edited" in shown and "lin.manager: approved" in shown
    # The history in local time to the minute, as every table prints it; --json keeps ISO 8601 UTC.
    history = shown.split("History:\n", 1)[1]
    assert re.search(r"^  \d{4}-\d\d-\d\d \d\d:\d\d mailflow: created", history, re.MULTILINE), history
    assert "+00:00" not in history
    edited = "\n+Thank you for letting us know that some of the goods are broken or do not work."
    assert f"{edited} We are very sorry" in shown
    rejected = mailflow("drafts", "reject", str(draft["id"]), "--reason", "changed my mind")
    assert rejected.returncode == 0  # approved, not yet sent: may still be withdrawn
    again = mailflow("drafts", "approve", str(draft["id"]))
    assert again.returncode == 1 and "rejected cannot be approved" in again.stderr


def _bounce(address: str, message_id: str) -> bytes:
    return (
        f"From: Mail Delivery System <MAILER-DAEMON@mx.example>\r\nTo: sales@ningbo-homeware.example\r\n"
        f"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <{message_id}>\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n"
        f"Final-Recipient: rfc822; {address}\r\nAction: failed\r\nStatus: 5.1.1\r\n--B--\r\n"
    ).encode()


def test_a_bounced_address_gets_no_automatic_mail_until_a_person_clears_it(
    tmp_path: Path, db_url: str
) -> None:
    settings, store, path = _setup(tmp_path, db_url)
    bounce = _bounce("maria@harbor-imports.example", "dsn1@mx.example")
    complaint = _mail("Broken mugs", "The mugs are broken.", "after-bounce@x")
    assert _ingest(settings, store, [bounce, complaint]) == 0
    outbox = Outbox(store)
    assert [b["email"] for b in outbox.bounces()] == ["maria@harbor-imports.example"]
    (report,) = [c for c in store.contacts() if c["message_id"] == "dsn1@mx.example"]
    assert report["tags"] == ["automatic"]
    store.close()

    def mailflow(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "mailflow", "--config", str(path), *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)

    assert (
        json.loads(mailflow("bounces", "list", "--json").stdout)[0]["email"] == "maria@harbor-imports.example"
    )
    assert mailflow("bounces", "clear", "maria@harbor-imports.example").returncode == 0
    assert mailflow("bounces", "clear", "maria@harbor-imports.example").returncode == 1
    store = Store(settings.database_url)
    assert Drafter(settings, store).run() == 1
    store.close()


def test_a_case_from_a_mailbox_no_longer_configured_is_skipped_not_fatal(
    tmp_path: Path, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    settings, store, path = _setup(tmp_path, db_url)
    Ingest(settings, store).sync_folder(
        MemorySource([_mail("Broken", "The mugs are broken.", "gone@x")]), settings.mailboxes[0], "INBOX"
    )
    path.write_text(path.read_text().replace('name = "sales"', 'name = "export"'))
    renamed = load_settings(path)
    assert Drafter(renamed, store).run() == 0
    assert any("no longer configured" in record.getMessage() for record in caplog.records)
    assert Drafter(settings, store).run() == 1  # with the mailbox back, the case is still due
    store.close()
