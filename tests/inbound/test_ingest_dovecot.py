"""Fetching from a real Dovecot: exactly once, read-only, and through every failure we know."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

import pytest
from imapclient import IMAPClient
from sqlalchemy import text

from mailflow.config.settings import Settings
from mailflow.errors import ConnectionLost
from mailflow.inbound.ingest import Ingest
from mailflow.mailservers.imap import ImapConnection
from mailflow.ops.daemon import Daemon, run_once
from mailflow.store.engine import Store
from tests.support.dovecot import PASSWORD, Dovecot
from tests.support.mail import buyer_mail
from tests.support.proxy import FaultProxy
from tests.support.settings import load_settings, write_settings

pytestmark = pytest.mark.dovecot


def _setup(tmp_path: Path, port: int, user: str, db_url: str, **kwargs: object) -> tuple[Settings, Store]:
    settings = load_settings(write_settings(tmp_path, db_url, port, user, PASSWORD, **kwargs))  # type: ignore[arg-type]
    store = Store(settings.database_url)
    store.create_schema()
    return settings, store


def _once(settings: Settings, store: Store) -> tuple[int, list[str]]:
    lines: list[str] = []
    return run_once(settings, store, lines.append), lines


def _fill(client: IMAPClient, folder: str, prefix: str, count: int, padding: int = 0) -> None:
    """Append `count` buyer messages with Message-IDs <prefix0@x>, <prefix1@x>, ..."""
    for index in range(count):
        client.append(folder, buyer_mail(message_id=f"<{prefix}{index}@x>", padding=padding))


def _message_ids(store: Store) -> list[str]:
    return [contact["message_id"] for contact in store.contacts()]


def test_every_message_is_logged_once_and_flags_are_untouched(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient, db_url: str
) -> None:
    imap_client.append("INBOX", buyer_mail(message_id="<read-first@x>"), flags=[b"\\Seen"])
    _fill(imap_client, "INBOX", "m", 4)
    settings, store = _setup(tmp_path, dovecot.port, imap_user, db_url)

    assert _once(settings, store)[0] == 0
    assert sorted(_message_ids(store)) == ["m0@x", "m1@x", "m2@x", "m3@x", "read-first@x"]
    imap_client.select_folder("INBOX", readonly=True)
    flags = {
        uid: set(data[b"FLAGS"])
        for uid, data in imap_client.fetch(imap_client.search("ALL"), ["FLAGS"]).items()
    }
    assert sum(1 for f in flags.values() if b"\\Seen" in f) == 1, "mailflow must never set or clear \\Seen"
    assert len(flags) == 5, "mailflow must never delete"

    imap_client.append("INBOX", buyer_mail(message_id="<later@x>"))
    assert _once(settings, store)[0] == 0
    assert sorted(_message_ids(store)) == ["later@x", "m0@x", "m1@x", "m2@x", "m3@x", "read-first@x"]
    store.close()


def test_a_complaint_opens_a_case_that_the_reply_joins_with_its_photos_as_evidence(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient, db_url: str
) -> None:
    from email.message import EmailMessage

    from mailflow.demo.messages import fake_jpeg

    imap_client.append(
        "INBOX", buyer_mail("Crushed cartons", "30 cartons arrived crushed.", message_id="<c1@x>")
    )
    reply = EmailMessage()
    reply["From"] = "Maria Lopez <maria@harbor-imports.example>"
    reply["Subject"] = "Re: Crushed cartons"
    reply["Message-ID"], reply["In-Reply-To"], reply["References"] = "<c2@x>", "<c1@x>", "<c1@x>"
    reply.set_content("Photos of the shipping marks attached.")
    reply.add_attachment(
        fake_jpeg(80_000, 3), maintype="application", subtype="octet-stream", filename="IMG_1.JPG"
    )
    imap_client.append("INBOX", reply.as_bytes())
    settings, store = _setup(tmp_path, dovecot.port, imap_user, db_url)
    _once(settings, store)
    first, second = store.contacts()
    assert first["tags"] == ["complaint:shipping", "detail:damage"]
    assert first["case"] is not None and second["case"] == first["case"]
    assert second["tags"] == ["photos"]
    (case,) = store.cases()
    assert (case["status"], case["evidence"]) == ("open", 1)
    store.close()


def test_uidvalidity_change_rescans_without_logging_twice(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient, db_url: str
) -> None:
    imap_client.create_folder("Orders")
    _fill(imap_client, "Orders", "o", 3)
    settings, store = _setup(tmp_path, dovecot.port, imap_user, db_url, folders=("Orders",))
    _once(settings, store)
    before = store.folder_state("sales", "Orders")

    # Recreating the folder gives it a new UIDVALIDITY; the same messages come back with new UIDs.
    imap_client.delete_folder("Orders")
    imap_client.create_folder("Orders")
    _fill(imap_client, "Orders", "o", 3)
    imap_client.append("Orders", buyer_mail(message_id="<o-new@x>"))
    _once(settings, store)

    after = store.folder_state("sales", "Orders")
    assert before is not None and after is not None and after.uidvalidity != before.uidvalidity
    assert sorted(_message_ids(store)) == ["o-new@x", "o0@x", "o1@x", "o2@x"]
    store.close()


def test_the_same_message_id_in_two_folders_is_logged_once(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient, db_url: str
) -> None:
    imap_client.create_folder("Claims")
    raw = buyer_mail(message_id="<twice@x>")
    imap_client.append("INBOX", raw)
    imap_client.append("Claims", raw)
    settings, store = _setup(tmp_path, dovecot.port, imap_user, db_url, folders=("INBOX", "Claims"))
    code, lines = _once(settings, store)
    assert code == 0
    assert _message_ids(store) == ["twice@x"]
    assert any("1 already logged" in line for line in lines)
    store.close()


def test_a_message_without_message_id_is_logged_once_across_runs(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient, db_url: str
) -> None:
    imap_client.append("INBOX", b"From: buyer@acme.example\r\nSubject: no id\r\n\r\nbroken mugs\r\n")
    settings, store = _setup(tmp_path, dovecot.port, imap_user, db_url)
    _once(settings, store)
    store.engine.dispose()
    with store.sessions.begin() as session:  # forget the checkpoint: only dedupe stands in the way
        session.execute(text("DELETE FROM checkpoints"))
    _once(settings, store)
    assert len(store.contacts()) == 1
    store.close()


@pytest.mark.parametrize("folder", ["Gesendet", "INBOX"])
def test_our_own_messages_are_logged_as_outbound_in_the_sent_folder_and_in_cc(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient, db_url: str, folder: str
) -> None:
    """Gesendet is this Dovecot's \\Sent folder, found by SPECIAL-USE, not by name."""
    ours = buyer_mail(
        "Re: Cracked mugs",
        "We are sorry.",
        sender="sales@ningbo-homeware.example",
        to="maria@harbor-imports.example",
    )
    imap_client.append(folder, ours)
    settings, store = _setup(tmp_path, dovecot.port, imap_user, db_url)
    _once(settings, store)
    (contact,) = store.contacts()
    assert (contact["direction"], contact["customer"], contact["folder"]) == (
        "out",
        "maria@harbor-imports.example",
        folder,
    )
    assert not contact["automatic"]
    store.close()


def test_a_message_expunged_between_search_and_fetch_is_skipped(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient, db_url: str
) -> None:
    _fill(imap_client, "INBOX", "e", 3)
    settings, store = _setup(tmp_path, dovecot.port, imap_user, db_url)
    store.close()
    connection = ImapConnection(settings.mailboxes[0], settings.fetch)
    connection.connect()
    connection.examine("INBOX")
    uids = connection.uids_after(0)
    imap_client.select_folder("INBOX")
    imap_client.delete_messages([uids[1]])
    imap_client.expunge()
    fetched = connection.fetch(uids)
    connection.close()
    assert sorted(fetched) == [uids[0], uids[2]]


def test_a_connection_reset_in_the_middle_of_a_fetch_loses_nothing(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient, db_url: str
) -> None:
    _fill(imap_client, "INBOX", "r", 120, padding=2000)
    proxy = FaultProxy(dovecot.host, dovecot.port)
    settings, store = _setup(tmp_path, proxy.port, imap_user, db_url)
    proxy.reset_on(b"BODY[]")
    code, lines = _once(settings, store)
    assert code == 1 and proxy.resets == 1
    assert any("connection lost" in line for line in lines)
    assert _once(settings, store)[0] == 0
    assert sorted(_message_ids(store)) == sorted(f"r{index}@x" for index in range(120))
    proxy.close()
    store.close()


def test_a_dead_connection_is_noticed_by_the_idle_loop(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient, db_url: str
) -> None:
    proxy = FaultProxy(dovecot.host, dovecot.port)
    settings, store = _setup(
        tmp_path, proxy.port, imap_user, db_url, fetch={"noop_seconds": 1, "timeout_seconds": 1}
    )
    connection = ImapConnection(settings.mailboxes[0], settings.fetch)
    connection.connect()
    connection.examine("INBOX")
    proxy.blackhole()
    started = time.monotonic()
    with pytest.raises(ConnectionLost):
        connection.wait_for_news(threading.Event())
    assert time.monotonic() - started < 5
    connection.close()
    proxy.close()
    store.close()


def test_mail_arriving_between_search_and_idle_is_reported_at_once(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient, db_url: str
) -> None:
    """Dovecot does not announce, in IDLE, what came before IDLE began: we must not wait a NOOP cycle for it."""
    settings, store = _setup(tmp_path, dovecot.port, imap_user, db_url, fetch={"noop_seconds": 30})
    store.close()
    connection = ImapConnection(settings.mailboxes[0], settings.fetch)
    connection.connect()
    connection.examine("INBOX")
    assert connection.uids_after(0) == []
    imap_client.append("INBOX", buyer_mail())
    started = time.monotonic()
    assert connection.wait_for_news(threading.Event()) is True
    assert time.monotonic() - started < 2
    connection.close()


def test_a_wrong_password_is_one_clear_line_and_exit_1(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, db_url: str
) -> None:
    path = write_settings(tmp_path, db_url, dovecot.port, imap_user, "not-the-password")
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "mailflow", "--config", str(path), "run", "--once"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1, done.stderr
    assert "login refused" in errors[0] and "sales" in errors[0]
    assert "not-the-password" not in done.stderr
    assert "Traceback" not in done.stderr


def test_a_wrong_password_in_the_daemon_backs_off_instead_of_hammering(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = write_settings(
        tmp_path, db_url, dovecot.port, imap_user, "not-the-password", fetch={"max_backoff_seconds": 2}
    )
    settings = load_settings(path)
    store = Store(settings.database_url)
    store.create_schema()
    daemon = Daemon(settings, store)
    daemon.start()

    def attempts() -> int:
        return dovecot.log().count(f"user=<{imap_user}>")

    _wait_for(lambda: attempts() >= 2, 40)  # discovery's, then the watcher's first
    before = attempts()
    time.sleep(4)
    after = attempts()
    daemon.stop()
    for watcher in daemon.watchers:
        watcher.join(15)
        assert not watcher.is_alive()
    # max_backoff_seconds = 2 between attempts, and Dovecot's own delay: at most two more in 4 s.
    assert after - before <= 2, dovecot.log()
    refusals = [record for record in caplog.records if "login refused" in record.getMessage()]
    assert [record.levelname for record in refusals] == ["ERROR"]  # said once, not at every retry
    assert all("not-the-password" not in record.getMessage() for record in caplog.records)
    store.close()


def test_the_daemon_picks_up_new_mail_over_idle_and_survives_a_server_restart(
    tmp_path: Path, imap_user: str, db_url: str
) -> None:
    if os.environ.get("MAILFLOW_SKIP_DOVECOT") == "1":
        pytest.skip("MAILFLOW_SKIP_DOVECOT=1: Dovecot tests explicitly opted out")
    server = Dovecot().start()
    try:
        settings, store = _setup(tmp_path, server.port, imap_user, db_url, fetch={"max_backoff_seconds": 1})
        daemon = Daemon(settings, store)
        daemon.start()
        client = IMAPClient(server.host, port=server.port, ssl=False)
        client.login(imap_user, PASSWORD)
        client.append("INBOX", buyer_mail(message_id="<idle-1@x>"))
        _wait_for(lambda: _message_ids(store) == ["idle-1@x"], 5)

        server.restart()
        client = IMAPClient(server.host, port=server.port, ssl=False)
        client.login(imap_user, PASSWORD)
        client.append("INBOX", buyer_mail(message_id="<after-restart@x>"))
        _wait_for(lambda: sorted(_message_ids(store)) == ["after-restart@x", "idle-1@x"], 20)
        daemon.stop()
        for watcher in daemon.watchers:
            watcher.join(10)
            assert not watcher.is_alive()
        store.close()
    finally:
        server.cleanup()


def test_a_25_mb_message_is_logged_and_its_attachment_stored_by_content(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient, db_url: str
) -> None:
    from email.message import EmailMessage

    video = bytes(range(256)) * (18 * 1024 * 4)  # 18 MB, about 25 MB once base64-encoded
    msg = EmailMessage()
    msg["From"] = "maria@harbor-imports.example"
    msg["Subject"] = "Inspection video"
    msg["Message-ID"] = "<big@x>"
    msg.set_content("Video of the broken mugs attached.")
    msg.add_attachment(video, maintype="video", subtype="mp4", filename="inspection.mp4")
    raw = msg.as_bytes()
    assert len(raw) > 24 * 1024 * 1024
    imap_client.append("INBOX", raw)
    imap_client.append("INBOX", buyer_mail(message_id="<after-big@x>"))
    settings, store = _setup(tmp_path, dovecot.port, imap_user, db_url)
    assert _once(settings, store)[0] == 0
    assert _message_ids(store) == ["big@x", "after-big@x"]
    digest = hashlib.sha256(video).hexdigest()
    assert (tmp_path / "data" / "attachments" / digest[:2] / digest).read_bytes() == video
    store.close()


def _wait_for(condition: object, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"condition not met within {seconds} s")


def test_ingest_stops_between_batches_when_asked(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient, db_url: str
) -> None:
    _fill(imap_client, "INBOX", "s", 120)
    settings, store = _setup(tmp_path, dovecot.port, imap_user, db_url)
    connection = ImapConnection(settings.mailboxes[0], settings.fetch)
    connection.connect()
    stop = threading.Event()
    stop.set()
    report = Ingest(settings, store).sync_folder(connection, settings.mailboxes[0], "INBOX", stop=stop)
    connection.close()
    assert report.fetched == 0 and store.folder_state("sales", "INBOX") is None
    store.close()


def test_several_mailboxes_each_keep_their_own_checkpoints(
    tmp_path: Path, dovecot: Dovecot, imap_client: IMAPClient, imap_user: str, db_url: str
) -> None:
    second_user = imap_user.replace("sales-", "export-")
    other = IMAPClient(dovecot.host, port=dovecot.port, ssl=False)
    other.login(second_user, PASSWORD)
    imap_client.append("INBOX", buyer_mail(message_id="<to-sales@x>"))
    other.append("INBOX", buyer_mail(message_id="<to-export@x>"))
    other.logout()
    path = write_settings(tmp_path, db_url, dovecot.port, imap_user, PASSWORD)
    path.write_text(
        path.read_text()
        + f"""
[[mailbox]]
name = "export"
address = "export@ningbo-homeware.example"

[mailbox.imap]
host = "127.0.0.1"
port = {dovecot.port}
security = "none"
username = "{second_user}"
password = "{PASSWORD}"
"""
    )
    settings = load_settings(path)
    store = Store(settings.database_url)
    store.create_schema()
    code, lines = _once(settings, store)
    assert code == 0, lines
    assert {(c["mailbox"], c["message_id"]) for c in store.contacts()} == {
        ("sales", "to-sales@x"),
        ("export", "to-export@x"),
    }
    assert (
        store.folder_state("sales", "INBOX") is not None and store.folder_state("export", "INBOX") is not None
    )
    store.close()


def test_the_drafts_folder_is_never_read_as_buyer_mail_even_when_configured(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient, db_url: str
) -> None:
    """Entwürfe is this Dovecot's \\\\Drafts folder: the reps' unsent mail, found by SPECIAL-USE."""
    imap_client.append("Entwürfe", buyer_mail("Offer draft", "Half-written offer", message_id="<draft@x>"))
    imap_client.append("INBOX", buyer_mail(message_id="<real@x>"))
    settings, store = _setup(tmp_path, dovecot.port, imap_user, db_url, folders=("INBOX", "Entwürfe"))
    code, lines = _once(settings, store)
    assert code == 0, lines
    assert _message_ids(store) == ["real@x"]
    assert not any("Entwürfe" in line for line in lines)
    store.close()


def test_a_second_mail_without_in_reply_to_joins_the_open_case_and_its_photos_reach_it(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient, db_url: str
) -> None:
    from email.message import EmailMessage

    from mailflow.demo.messages import fake_jpeg

    settings, store = _setup(tmp_path, dovecot.port, imap_user, db_url)
    _once(settings, store)  # mailflow watches the mailbox from here on
    imap_client.append(
        "INBOX",
        buyer_mail(
            "Shipment PO 4500123 arrived damaged",
            "Dear team,\n\n30 of the 120 cartons of PO 4500123 arrived crushed.\n\nMaria",
            message_id="<first@harbor-imports.example>",
        ),
    )
    _once(settings, store)
    # The next day, from the colleague's phone: "Re:" but no In-Reply-To and no References.
    photos = EmailMessage()
    photos["From"] = "Li Wei <li.wei@harbor-imports.example>"
    photos["To"] = "sales@ningbo-homeware.example"
    photos["Subject"] = "RE: Shipment PO 4500123 arrived damaged"
    photos["Message-ID"] = "<photos@harbor-imports.example>"
    photos.set_content("Hello, the pictures of the damaged cartons for PO4500123 as Maria promised.\nLi Wei")
    photos.add_attachment(fake_jpeg(60_000, 5), maintype="image", subtype="jpeg", filename="IMG_2041.jpg")
    imap_client.append("INBOX", photos.as_bytes())
    # Another matter of the same company, naming the same order under its own subject, stays apart.
    imap_client.append(
        "INBOX",
        buyer_mail(
            "Re: Inspection booking",
            "Is PO 4500555 ready for inspection? The balance of PO 4500123 goes out Friday.",
            sender="Li Wei <li.wei@harbor-imports.example>",
            message_id="<other@harbor-imports.example>",
        ),
    )
    _once(settings, store)

    contacts = {c["message_id"]: c for c in store.contacts()}
    case_id = contacts["first@harbor-imports.example"]["case"]
    assert case_id is not None
    assert contacts["photos@harbor-imports.example"]["case"] == case_id
    assert contacts["other@harbor-imports.example"]["case"] is None
    (case,) = store.cases()
    assert (case["id"], case["evidence"]) == (case_id, 1)
    store.close()
