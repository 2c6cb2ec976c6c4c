"""The send loop against real servers: aiosmtpd with faults, Dovecot's Sent folder, both databases."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from imapclient import IMAPClient
from sqlalchemy import select, update

from mailflow.config import settings as config
from mailflow.config.settings import Settings
from mailflow.drafts.store import Outbox
from mailflow.inbound.ingest import Ingest
from mailflow.mailservers.imap import ImapConnection
from mailflow.ops.daemon import Drafter, run_once
from mailflow.outbound.sender import Sender
from mailflow.store.engine import Store
from mailflow.store.models import Case, CaseEvent, Draft
from tests.support.daemon import running_daemon, wait_for, wait_until_watching
from tests.support.dovecot import PASSWORD, Dovecot
from tests.support.mail import buyer_mail
from tests.support.memory_source import MemorySource
from tests.support.settings import write_settings
from tests.support.smtp_sink import FaultyHandler

SENT = "Gesendet"  # the test Dovecot's \Sent folder: found by SPECIAL-USE, not by name


def _settings(tmp_path: Path, db_url: str, imap_port: int, user: str, smtp_port: int, send: str = "") -> Path:
    smtp = f'\n[mailbox.smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\n'
    path = write_settings(tmp_path, db_url, imap_port, user, PASSWORD, extra=smtp)
    path.write_text(path.read_text() + f"\n[send]\n{send}\n")
    return path


def _approved_complaints(settings: Settings, store: Store, count: int) -> list[int]:
    """`count` complaints from different buyers, each acknowledgement drafted and approved."""
    complaints = [
        buyer_mail(
            f"Crushed cartons, PO 45001{n:02}",
            "14 cartons arrived crushed.",
            f"Buyer {n} <b{n}@harbor.example>",
        )
        for n in range(count)
    ]
    Ingest(settings, store).sync_folder(MemorySource(complaints), settings.mailboxes[0], "INBOX")
    assert Drafter(settings, store).run() == count
    outbox = Outbox(store)
    ids = [draft["id"] for draft in outbox.drafts("pending_review")]
    for draft_id in ids:
        outbox.decide(draft_id, "approved", "manager")
    return ids


def _setup(
    tmp_path: Path, db_url: str, dovecot: Dovecot, user: str, port: int, count: int, send: str = ""
) -> tuple[Settings, Store, list[int], Path]:
    path = _settings(tmp_path, db_url, dovecot.port, user, port, send)
    settings = config.load(path)
    store = Store(settings.database_url)
    store.create_schema()
    return settings, store, _approved_complaints(settings, store, count), path


def _in_sent(dovecot: Dovecot, user: str, message_id: str) -> list[int]:
    with IMAPClient(dovecot.host, port=dovecot.port, ssl=False) as client:
        client.login(user, PASSWORD)
        client.select_folder(SENT, readonly=True)
        found: list[int] = client.search(["HEADER", "Message-ID", f"<{message_id}>"])
        return found


def test_approved_drafts_leave_once_over_one_connection_filed_in_sent_and_logged(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str, sink: tuple[FaultyHandler, int]
) -> None:
    handler, port = sink
    settings, store, ids, _ = _setup(tmp_path, db_url, dovecot, imap_user, port, 3)
    assert Sender(settings, store).run_until_empty() == {"sent": 3}
    assert len(handler.received) == 3 and len(set(handler.peers)) == 1  # one connection for the batch
    outbox = Outbox(store)
    for draft_id in ids:
        draft = outbox.draft(draft_id)
        assert draft is not None and draft["status"] == "sent" and draft["sent_at"] and draft["attempts"] == 1
        assert [e["action"] for e in draft["events"]] == ["created", "approved", "sent"]
        assert len(_in_sent(dovecot, imap_user, draft["message_id"])) == 1
    out = [contact for contact in store.contacts() if contact["direction"] == "out"]
    assert len(out) == 3 and all(contact["mailbox"] == "sales" for contact in out)
    assert {case["status"] for case in store.cases()} == {"acknowledged"}
    assert _case_events(store) == [("acknowledged", "mailflow")] * 3  # on each case's timeline
    received = message_from_bytes(handler.received[0], policy=policy.default)
    assert received["From"] == "sales@ningbo-homeware.example" and received["In-Reply-To"]

    assert Sender(settings, store).run_until_empty() == {}  # nothing is sent twice
    # Reading the Sent folder later finds our own copies already in the contact log.
    connection = ImapConnection(settings.mailboxes[0], settings.fetch)
    connection.connect()
    report = Ingest(settings, store).sync_folder(connection, settings.mailboxes[0], SENT, sent_folder=True)
    connection.close()
    assert (report.fetched, report.recorded, report.duplicates) == (3, 0, 3)
    assert len(handler.received) == 3
    assert len(_case_events(store)) == 3
    store.close()


def _case_events(store: Store) -> list[tuple[str, str]]:
    with store.sessions() as session:
        return sorted(tuple(row) for row in session.execute(select(CaseEvent.action, CaseEvent.actor)))


def test_a_case_a_person_moved_on_keeps_its_state_when_its_acknowledgement_goes(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str, sink: tuple[FaultyHandler, int]
) -> None:
    _, port = sink
    settings, store, _, _ = _setup(tmp_path, db_url, dovecot, imap_user, port, 2)
    with store.sessions.begin() as session:
        assessed = session.scalars(select(Case.id).order_by(Case.id).limit(1)).one()
        session.execute(update(Case).where(Case.id == assessed).values(status="assessed"))
    assert Sender(settings, store).run_until_empty() == {"sent": 2}
    assert sorted(case["status"] for case in store.cases()) == ["acknowledged", "assessed"]
    with store.sessions() as session:
        events = [tuple(row) for row in session.execute(select(CaseEvent.case_id, CaseEvent.action))]
    assert len(events) == 1 and events[0][0] != assessed and events[0][1] == "acknowledged"
    store.close()


def test_run_once_reads_a_complaint_from_dovecot_and_sends_the_approved_reply(
    tmp_path: Path,
    db_url: str,
    dovecot: Dovecot,
    imap_user: str,
    imap_client: IMAPClient,
    sink: tuple[FaultyHandler, int],
) -> None:
    handler, port = sink
    settings = config.load(_settings(tmp_path, db_url, dovecot.port, imap_user, port))
    store = Store(settings.database_url)
    store.create_schema()
    lines: list[str] = []
    assert run_once(settings, store, lines.append) == 0  # mailflow watches the mailbox from here on
    imap_client.append("INBOX", buyer_mail("Cracked glaze on mugs", "Half the mugs have cracked glaze."))
    assert run_once(settings, store, lines.append) == 0
    assert "outbox: nothing to send" in lines  # drafted, waiting for the reviewer
    (draft,) = Outbox(store).drafts("pending_review")
    Outbox(store).decide(draft["id"], "approved", "manager")
    lines.clear()
    assert run_once(settings, store, lines.append) == 0
    assert "outbox: 1 sent" in lines and len(handler.received) == 1
    assert len(_in_sent(dovecot, imap_user, draft["message_id"])) == 1
    store.close()


def test_a_4xx_puts_the_draft_back_for_a_later_try(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str, sink: tuple[FaultyHandler, int]
) -> None:
    handler, port = sink
    handler.fail_rcpt = "451 4.3.0 Mailbox busy, try again later"
    settings, store, (draft_id,), _ = _setup(
        tmp_path, db_url, dovecot, imap_user, port, 1, "retry_seconds = 600"
    )
    assert Sender(settings, store).run_until_empty() == {"retry": 1}
    draft = Outbox(store).draft(draft_id)
    assert draft is not None and (draft["status"], draft["attempts"]) == ("approved", 1)
    assert "451 4.3.0 Mailbox busy" in draft["failure"] and draft["next_attempt_at"] > draft["created_at"]
    assert Sender(settings, store).run_until_empty() == {}  # not before its time
    handler.fail_rcpt = ""
    _make_due(store, draft_id)
    assert Sender(settings, store).run_until_empty() == {"sent": 1}
    assert len(handler.received) == 1
    store.close()


def _make_due(store: Store, draft_id: int) -> None:
    with store.sessions.begin() as session:
        session.execute(update(Draft).where(Draft.id == draft_id).values(next_attempt_at=None))


def test_retries_are_bounded_then_the_draft_fails_saying_why(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str, sink: tuple[FaultyHandler, int]
) -> None:
    handler, port = sink
    handler.fail_data = "451 4.7.1 Greylisted, come back later"
    send = "max_attempts = 3\nretry_seconds = 0.001"
    settings, store, (draft_id,), _ = _setup(tmp_path, db_url, dovecot, imap_user, port, 1, send)
    for expected in ({"retry": 1}, {"retry": 1}, {"failed": 1}):
        _make_due(store, draft_id)
        assert Sender(settings, store).run_batch() == expected
    draft = Outbox(store).draft(draft_id)
    assert draft is not None and (draft["status"], draft["attempts"]) == ("failed", 3)
    assert draft["failure"].startswith("gave up after 3 attempts:") and "Greylisted" in draft["failure"]
    assert Sender(settings, store).run_until_empty() == {}
    # A person may send it again once the cause is gone; it gets a fresh set of tries.
    handler.fail_data = ""
    Outbox(store).decide(draft_id, "approved", "manager")
    assert Sender(settings, store).run_until_empty() == {"sent": 1}
    store.close()


@pytest.mark.parametrize(
    ("fault", "reason", "bounced"),
    [
        ({"fail_rcpt": "550 5.1.1 <b0@harbor.example>: no such user"}, "550 5.1.1", ["b0@harbor.example"]),
        ({"fail_data": "552 5.3.4 Message size exceeds fixed limit"}, "552 5.3.4", []),
    ],
)
def test_a_5xx_fails_the_draft_with_the_servers_reason_shown_in_drafts_list(
    tmp_path: Path,
    db_url: str,
    dovecot: Dovecot,
    imap_user: str,
    sink: tuple[FaultyHandler, int],
    fault: dict[str, str],
    reason: str,
    bounced: list[str],
) -> None:
    handler, port = sink
    for name, value in fault.items():
        setattr(handler, name, value)
    settings, store, (draft_id,), path = _setup(tmp_path, db_url, dovecot, imap_user, port, 1)
    assert Sender(settings, store).run_until_empty() == {"failed": 1}
    # A recipient the server says does not exist is marked like a bounce: no more automatic mail.
    assert [entry["email"] for entry in Outbox(store).bounces()] == bounced
    store.close()
    listed = subprocess.run(
        [
            sys.executable,
            "-m",
            "mailflow",
            "--config",
            str(path),
            "drafts",
            "list",
            "--status",
            "failed",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    (draft,) = json.loads(listed.stdout)
    assert draft["id"] == draft_id and reason in draft["failure"] and handler.received == []


def test_421_on_connect_sends_nothing_and_every_draft_waits(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str
) -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def refuse() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            connection.sendall(b"421 4.3.2 Service not available, closing channel\r\n")
            connection.close()

    threading.Thread(target=refuse, daemon=True).start()
    settings, store, ids, _ = _setup(tmp_path, db_url, dovecot, imap_user, port, 2)
    assert Sender(settings, store).run_until_empty() == {"retry": 2}
    listener.close()
    for draft_id in ids:
        draft = Outbox(store).draft(draft_id)
        assert draft is not None and draft["status"] == "approved" and "421" in draft["failure"]
    store.close()


def test_a_connection_dropped_after_the_final_dot_is_retried_once_the_server_is_back(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str, sink: tuple[FaultyHandler, int]
) -> None:
    handler, port = sink
    handler.drop_after_dot = True
    settings, store, ids, _ = _setup(tmp_path, db_url, dovecot, imap_user, port, 2)
    assert Sender(settings, store).run_until_empty() == {"retry": 2}  # each on a fresh connection
    handler.drop_after_dot = False
    for draft_id in ids:
        _make_due(store, draft_id)
    assert Sender(settings, store).run_until_empty() == {"sent": 2}
    assert len(handler.received) == 2
    store.close()


_KILLED_SENDER = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from mailflow.config import settings as config
    from mailflow.{package} import {module}
    from mailflow.outbound.sender import Sender
    from mailflow.store.engine import Store

    def killed(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    {module}.{target} = killed
    settings = config.load(Path(sys.argv[1]))
    Sender(settings, Store(settings.database_url)).run_until_empty()
    """
)


def _send_and_die(path: Path, module: str, target: str) -> None:
    package, module = module.rsplit(".", 1)
    script = _KILLED_SENDER.format(package=package, module=module, target=target)
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, timeout=60, check=False
    )
    assert done.returncode == -9, done.stderr.decode()


def test_sigkill_between_the_servers_250_and_the_commit_never_sends_twice(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str, sink: tuple[FaultyHandler, int]
) -> None:
    handler, port = sink
    send = "claim_timeout_seconds = 0.001"  # the dead sender's claim is stale at once
    settings, store, (draft_id,), path = _setup(tmp_path, db_url, dovecot, imap_user, port, 1, send)
    _send_and_die(
        path, "outbound.send_queue", "SendQueue.record"
    )  # after 250 and the Sent copy, before commit
    assert len(handler.received) == 1
    draft = Outbox(store).draft(draft_id)
    assert draft is not None and draft["status"] == "sending"
    assert Sender(settings, store).run_until_empty() == {"found": 1}
    assert len(handler.received) == 1  # the buyer got it once
    draft = Outbox(store).draft(draft_id)
    assert draft is not None and draft["status"] == "sent"
    assert len([c for c in store.contacts() if c["direction"] == "out"]) == 1
    assert [case["status"] for case in store.cases()] == ["acknowledged"]
    store.close()


def test_sigkill_before_the_send_sends_it_after_the_restart(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str, sink: tuple[FaultyHandler, int]
) -> None:
    handler, port = sink
    send = "claim_timeout_seconds = 0.001"
    settings, store, (draft_id,), path = _setup(tmp_path, db_url, dovecot, imap_user, port, 1, send)
    _send_and_die(path, "mailservers.smtp", "SmtpConnection.send")
    assert handler.received == []
    assert Sender(settings, store).run_until_empty() == {"sent": 1}
    draft = Outbox(store).draft(draft_id)
    assert draft is not None and draft["status"] == "sent" and len(handler.received) == 1
    assert len(_in_sent(dovecot, imap_user, draft["message_id"])) == 1
    store.close()


def test_an_abandoned_draft_is_not_resent_while_its_sent_folder_cannot_be_checked(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str, sink: tuple[FaultyHandler, int]
) -> None:
    handler, port = sink
    send = "claim_timeout_seconds = 0.001"
    settings, store, (draft_id,), path = _setup(tmp_path, db_url, dovecot, imap_user, port, 1, send)
    _send_and_die(path, "mailservers.smtp", "SmtpConnection.send")
    path.write_text(path.read_text().replace(f"port = {dovecot.port}", "port = 1"))  # IMAP unreachable
    assert Sender(config.load(path), store).run_until_empty() == {"unsure": 1}
    draft = Outbox(store).draft(draft_id)
    assert draft is not None and draft["status"] == "sending" and handler.received == []
    assert Sender(settings, store).run_until_empty() == {"sent": 1}  # IMAP back: checked, then sent
    store.close()


def test_a_stop_puts_the_unsent_part_of_a_batch_back(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str, sink: tuple[FaultyHandler, int]
) -> None:
    handler, port = sink
    settings, store, _, _ = _setup(tmp_path, db_url, dovecot, imap_user, port, 2)
    stop = threading.Event()
    stop.set()
    assert Sender(settings, store, stop).run_batch() == {"released": 2}
    assert {draft["status"] for draft in Outbox(store).drafts()} == {"approved"}
    assert Sender(settings, store).run_until_empty() == {"sent": 2} and len(handler.received) == 2
    store.close()


def test_a_stop_mid_round_also_puts_back_the_batch_claimed_ahead(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str, sink: tuple[FaultyHandler, int]
) -> None:
    handler, port = sink
    settings, store, _, _ = _setup(tmp_path, db_url, dovecot, imap_user, port, 5, "batch_size = 2")
    stop = threading.Event()
    handler.on_accept = stop.set  # the daemon is told to stop while its first message is on the wire
    # Sent: the first. Released: the second (its batch) and the next batch, claimed while the first went.
    assert Sender(settings, store, stop).run_until_empty() == {"sent": 1, "released": 3}
    statuses = sorted(draft["status"] for draft in Outbox(store).drafts())
    assert statuses == ["approved", "approved", "approved", "approved", "sent"]  # none left 'sending'
    handler.on_accept = lambda: None
    assert Sender(settings, store).run_until_empty() == {"sent": 4} and len(handler.received) == 5
    store.close()


def test_a_round_hands_the_interpreter_lock_over_quickly_and_puts_the_setting_back(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str, sink: tuple[FaultyHandler, int]
) -> None:
    handler, port = sink
    settings, store, _, _ = _setup(tmp_path, db_url, dovecot, imap_user, port, 3, "batch_size = 2")
    before = sys.getswitchinterval()
    during: list[float] = []
    handler.on_accept = lambda: during.append(sys.getswitchinterval())  # the sink runs in this process
    assert Sender(settings, store).run_until_empty() == {"sent": 3}
    assert during == [pytest.approx(0.0001)] * 3 and sys.getswitchinterval() == before
    store.close()


def test_claimed_drafts_never_look_abandoned_while_they_wait_their_turn(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str, sink: tuple[FaultyHandler, int]
) -> None:
    """A slow server: the batch claimed ahead waits longer than claim_timeout for its turn."""
    handler, port = sink
    # Renewed every 0.5 s, checked before each message: a claim is at most 0.5 + 0.3 s old
    # when all is well, which leaves 0.7 s for a loaded machine (CI once took 0.37 s more).
    send = "batch_size = 6\nclaim_timeout_seconds = 1.5"
    settings, store, _, _ = _setup(tmp_path, db_url, dovecot, imap_user, port, 12, send)
    handler.delay = 0.3  # a batch takes 1.8 s; its successor, claimed at its start, waits as long
    ages: list[float] = []

    def oldest_claim() -> None:
        with store.sessions() as session:
            claimed = session.scalars(select(Draft.claimed_at).where(Draft.status == "sending")).all()
        ages.append(max((datetime.now(UTC) - at).total_seconds() for at in claimed))

    handler.on_accept = oldest_claim
    assert Sender(settings, store).run_until_empty() == {"sent": 12}
    assert len(ages) == 12 and max(ages) < 1.5, ages  # another sender would have taken none of them
    store.close()


def test_the_daemon_sends_a_draft_approved_while_it_runs_then_stops_on_sigterm(
    tmp_path: Path,
    db_url: str,
    dovecot: Dovecot,
    imap_user: str,
    imap_client: IMAPClient,
    sink: tuple[FaultyHandler, int],
) -> None:
    handler, port = sink
    path = _settings(tmp_path, db_url, dovecot.port, imap_user, port, "interval_seconds = 0.2")
    store = Store(config.load(path).database_url)
    store.create_schema()
    with running_daemon(path) as daemon:
        wait_until_watching(path)
        imap_client.append("INBOX", buyer_mail("Broken handles", "The handles of 200 mugs are broken."))
        drafts = wait_for(lambda: Outbox(store).drafts("pending_review"))
        Outbox(store).decide(drafts[0]["id"], "approved", "manager")
        wait_for(lambda: handler.received)
        sent = wait_for(lambda: Outbox(store).drafts("sent"))
        assert [draft["id"] for draft in sent] == [drafts[0]["id"]]
        stderr = daemon.stop()
    assert len(handler.received) == 1 and "1 sent" in stderr
    store.close()


def test_a_hostile_subject_a_bcc_and_two_languages_reach_only_the_buyer(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str, sink: tuple[FaultyHandler, int]
) -> None:
    handler, port = sink
    settings = config.load(_settings(tmp_path, db_url, dovecot.port, imap_user, port))
    store = Store(settings.database_url)
    store.create_schema()
    hostile = (
        b"From: =?utf-8?b?5p2O5Y2O?= <lihua@huamei-home.example>\r\n"
        b"To: sales@ningbo-homeware.example\r\n"
        b"Bcc: boss@huamei-home.example\r\n"
        b"Subject: =?utf-8?q?=E8=B4=A8=E9=87=8F=E9=97=AE=E9=A2=98=0D=0ABcc:_victim@evil.example?=\r\n"
        b"Message-ID: <hostile@huamei-home.example>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + "这批杯子有很多开裂，质量太差了，请尽快处理。\r\nSee attached, the glaze is cracked on 300 pieces.\r\n".encode()
    )
    Ingest(settings, store).sync_folder(MemorySource([hostile]), settings.mailboxes[0], "INBOX")
    assert Drafter(settings, store).run() == 1
    (draft,) = Outbox(store).drafts()
    assert draft["template"] == "ack.quality.breakage.zh"  # the language most of the text is in
    Outbox(store).decide(draft["id"], "approved", "manager")
    assert Sender(settings, store).run_until_empty() == {"sent": 1}
    assert handler.envelopes == [["lihua@huamei-home.example"]]
    head = handler.received[0].split(b"\r\n\r\n", 1)[0]
    assert b"\nBcc" not in head and b"evil" not in head.replace(b"\r\n ", b"")  # no header smuggled in
    received = message_from_bytes(handler.received[0], policy=policy.default)
    assert received["Subject"] == "Re: 质量问题 Bcc: victim@evil.example"  # the line break is gone
    store.close()


def test_an_approved_draft_to_an_address_that_bounced_meanwhile_is_held_back(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str, sink: tuple[FaultyHandler, int]
) -> None:
    handler, port = sink
    settings, store, (draft_id,), _ = _setup(tmp_path, db_url, dovecot, imap_user, port, 1)
    (draft,) = Outbox(store).drafts("approved")
    dead = draft["to"][0]
    report = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.example>\r\nTo: sales@ningbo-homeware.example\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn@mx.example>\r\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\n"
        f"Final-Recipient: rfc822; {dead}\r\nAction: failed\r\nStatus: 5.1.1\r\n--B--\r\n"
    ).encode()
    Ingest(settings, store).sync_folder(
        MemorySource([report], uidvalidity=2), settings.mailboxes[0], "Bounces"
    )
    assert Sender(settings, store).run_until_empty() == {"failed": 1}
    failed = Outbox(store).draft(draft_id)
    assert failed is not None and "bounced before" in failed["failure"] and handler.received == []
    # A person says the address works again and approves the draft once more.
    assert Outbox(store).clear_bounce(dead, "manager")
    Outbox(store).decide(draft_id, "approved", "manager")
    assert Sender(settings, store).run_until_empty() == {"sent": 1}
    store.close()
