"""The loop guard end to end: mail through the real pipeline into SQLite and PostgreSQL, then the Drafter.

No acknowledgement is written to one of our own mailboxes, and none to a robot
the inbound guard knows: an abuse desk's report, a list manager, a
challenge-response robot (issue #17).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from mailflow.config.settings import Settings
from mailflow.drafts.loop_guard import loop_reason
from mailflow.drafts.store import Outbox
from mailflow.inbound.ingest import Ingest
from mailflow.ops.daemon import Drafter
from mailflow.store.engine import Store
from tests.support.memory_source import MemorySource
from tests.support.settings import load_settings, write_settings

OURS = "sales@ningbo-homeware.example"
LOGIN = "li.wei@ningbo-homeware.example"  # the account behind the sales address, as Gmail's send-as has it
BUYER = "Maria Lopez <maria@harbor-imports.example>"


def _mail(message_id: str, sender: str = BUYER, subject: str = "Crushed cartons", **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = OURS
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{message_id}>"
    msg["Date"] = format_datetime(datetime.now(UTC))
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content("30 cartons of PO 4500123 arrived crushed. We are very unhappy with the bad service.")
    return msg.as_bytes()


def _abuse_report() -> bytes:
    report = EmailMessage()
    report["From"] = "Abuse Desk <staff@abuse-desk.example>"
    report["To"] = OURS
    report["Subject"] = "complaint about message from 203.0.113.7"
    report["Message-ID"] = "<arf-1@abuse-desk.example>"
    report["Date"] = format_datetime(datetime.now(UTC))
    report.set_content("This is an email abuse report. A recipient complained about the bad service.")
    report.add_attachment(
        b"Feedback-Type: abuse\r\nUser-Agent: AbuseDesk/1.0\r\nVersion: 1\r\nSource-IP: 203.0.113.7\r\n",
        maintype="message",
        subtype="feedback-report",
    )
    original = EmailMessage()
    original["From"] = OURS
    original["Subject"] = "Our new catalogue"
    original.set_content("Our new catalogue is out.")
    report.add_attachment(original)
    return report.as_bytes()


class Team:
    """The sales mailbox with its database: buyers' mail comes in, the Drafter drafts what is due."""

    def __init__(self, tmp_path: Path, db_url: str) -> None:
        self.settings: Settings = load_settings(write_settings(tmp_path, db_url, 1, LOGIN, "p", address=OURS))
        self.store = Store(self.settings.database_url)
        self.inbox: list[bytes] = []

    def receive(self, *messages: bytes) -> int:
        self.inbox += messages
        Ingest(self.settings, self.store).sync_folder(
            MemorySource(self.inbox), self.settings.mailboxes[0], "INBOX"
        )
        return Drafter(self.settings, self.store).run()

    def drafts(self) -> list[dict[str, object]]:
        return Outbox(self.store).drafts()


@pytest.fixture
def team(tmp_path: Path, db_url: str) -> Iterator[Team]:
    made = Team(tmp_path, db_url)
    yield made
    made.store.close()


def test_a_reply_to_naming_our_own_mailbox_gets_no_draft_and_the_log_names_the_case(
    team: Team, caplog: pytest.LogCaptureFixture
) -> None:
    assert team.receive(_mail("loop@harbor.example", Reply_To=f"Sales <{OURS}>")) == 0
    assert team.drafts() == []
    (case,) = team.store.cases()  # the complaint is still a case for a person to answer
    assert case["status"] == "open"
    refused = [r.getMessage() for r in caplog.records if "no acknowledgement" in r.getMessage()]
    assert refused == [
        f"case {case['id']}: no acknowledgement of <loop@harbor.example> from maria@harbor-imports.example:"
        f" Reply-To {OURS} is our own mailbox"
    ]


@pytest.mark.parametrize(
    "reply_to",
    ["SALES@NINGBO-HOMEWARE.EXAMPLE", "sales+claims@ningbo-homeware.example", LOGIN],
)
def test_our_mailbox_in_another_spelling_or_its_login_gets_no_draft(team: Team, reply_to: str) -> None:
    assert team.receive(_mail("loop@harbor.example", Reply_To=reply_to)) == 0
    assert team.drafts() == [] and len(team.store.cases()) == 1


def test_a_sender_that_is_our_mailbox_with_a_tag_gets_no_draft(team: Team) -> None:
    assert team.receive(_mail("tag@x", sender="Ningbo Homeware <sales+claims@ningbo-homeware.example>")) == 0
    assert team.drafts() == []
    (contact,) = team.store.contacts()
    assert (
        contact["automatic"] and "our own address sales+claims@ningbo-homeware.example" in contact["reasons"]
    )


def test_our_address_as_a_display_name_does_not_stop_the_acknowledgement(team: Team) -> None:
    assert (
        team.receive(_mail("name@harbor.example", Reply_To=f'"{OURS}" <claims@harbor-imports.example>')) == 1
    )
    (draft,) = team.drafts()
    assert draft["to"] == ["claims@harbor-imports.example"]


def test_an_abuse_report_about_our_mail_gets_no_acknowledgement(team: Team) -> None:
    assert team.receive(_abuse_report()) == 0
    assert team.drafts() == [] and team.store.cases() == []
    (contact,) = team.store.contacts()
    assert contact["automatic"] and "abuse feedback report (ARF)" in contact["reasons"]


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (_mail("req@x", sender="buyers-request@lists.example"), "mailing list manager"),
        (_mail("own@x", Sender="owner-buyers@listserv.example.edu"), "mailing list manager owner-buyers"),
        (_mail("gm@x", sender="Gmail Team <gmail-noreply@google.com>"), "robot sender gmail-noreply"),
        (_mail("tmda@x", subject="Please confirm your message"), "challenge-response subject"),
        (_mail("pm@x", sender="post_master@harbor-imports.example"), "robot sender post_master"),
    ],
)
def test_robots_that_echo_a_complaint_get_no_acknowledgement(team: Team, message: bytes, reason: str) -> None:
    assert team.receive(message) == 0
    assert team.drafts() == []
    (contact,) = team.store.contacts()
    assert contact["automatic"] and any(found.startswith(reason) for found in contact["reasons"])


def test_own_addresses_are_the_mailboxes_and_the_logins_that_are_addresses(team: Team) -> None:
    assert team.settings.own_addresses == {OURS, LOGIN}


@pytest.mark.parametrize(
    ("reply_to", "sender", "reason"),
    [
        (OURS, "maria@harbor-imports.example", f"Reply-To {OURS} is our own mailbox"),
        (
            "",
            "Sales+x@Ningbo-Homeware.Example",
            "the sender Sales+x@Ningbo-Homeware.Example is our own mailbox",
        ),
        ("claims@harbor-imports.example", OURS, ""),  # the reply goes to Reply-To, not to us
        ("", "maria@harbor-imports.example", ""),
    ],
)
def test_loop_reason_looks_at_the_address_the_reply_would_go_to(
    reply_to: str, sender: str, reason: str
) -> None:
    assert loop_reason(reply_to, sender, frozenset({OURS})) == reason


def test_a_reply_to_naming_one_of_our_aliases_gets_no_draft(tmp_path: Path, db_url: str) -> None:
    path = write_settings(tmp_path, db_url, 1, LOGIN, "p", address=OURS)
    path.write_text(
        path.read_text().replace(
            f'address = "{OURS}"', f'address = "{OURS}"\naliases = ["Info@Ningbo-Homeware.example"]'
        )
    )
    team = Team.__new__(Team)
    team.settings, team.inbox = load_settings(path), []
    team.store = Store(team.settings.database_url)
    try:
        assert team.receive(_mail("alias@harbor.example", Reply_To="info@ningbo-homeware.example")) == 0
        assert team.drafts() == [] and len(team.store.cases()) == 1
        # Mail from the alias is ours: logged, never a buyer's complaint.
        team.receive(_mail("from-alias@x", sender="Ningbo Homeware <info@ningbo-homeware.example>"))
        assert len(team.store.cases()) == 1
    finally:
        team.store.close()
