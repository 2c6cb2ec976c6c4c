"""History is decided by arrival at the server, never by the Date header the buyer's client wrote.

Through Dovecot and `run --once`: what was in the folder at mailflow's first
sync is logged and never answered; what arrives while mailflow watches is
answered, whatever its Date says; what reached the server before the answer
window (INTERNALDATE) is history too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from imapclient import IMAPClient

from mailflow.config.settings import Settings
from mailflow.drafts.store import Outbox
from mailflow.inbound.ingest import arrival_of
from mailflow.ops.daemon import run_once
from mailflow.store.engine import Store
from tests.support.dovecot import PASSWORD, Dovecot
from tests.support.mail import buyer_mail
from tests.support.settings import load_settings, write_settings

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


def _complaint(message_id: str, written: datetime | None = None, po: str = "4500123") -> bytes:
    raw = buyer_mail(
        f"Cracked mugs, PO {po}", "Half of the 2,000 mugs arrived cracked.", message_id=message_id
    )
    if written is None:
        return raw
    return f"Date: {format_datetime(written)}\r\n".encode() + raw


def _setup(tmp_path: Path, db_url: str, port: int, user: str) -> tuple[Settings, Store]:
    settings = load_settings(write_settings(tmp_path, db_url, port, user, PASSWORD))
    store = Store(settings.database_url)
    store.create_schema()
    return settings, store


def _acknowledged(store: Store) -> list[str]:
    return sorted(d["in_reply_to"].strip("<>") for d in Outbox(store).drafts() if d["kind"] == "ack")


@pytest.mark.dovecot
def test_mail_already_there_is_history_and_mail_arriving_later_is_answered_whatever_its_date(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient, db_url: str
) -> None:
    settings, store = _setup(tmp_path, db_url, dovecot.port, imap_user)
    now = datetime.now(UTC)
    # Before mailflow's first look: a complaint written an hour ago is still the mailbox's history.
    imap_client.append("INBOX", _complaint("<before@x>", now - timedelta(hours=1)))
    assert run_once(settings, store, lambda _line: None) == 0
    # While it watches: a complaint whose client wrote a Date two years old, and one
    # that reached the server a week ago (a late import: INTERNALDATE before the window).
    imap_client.append("INBOX", _complaint("<wrong-clock@x>", now - timedelta(days=730), po="4500124"))
    imap_client.append(
        "INBOX",
        _complaint("<imported@x>", now - timedelta(days=7), po="4500125"),
        msg_time=now - timedelta(days=7),
    )
    assert run_once(settings, store, lambda _line: None) == 0

    contacts = {c["message_id"]: c for c in store.contacts()}
    assert set(contacts) == {"before@x", "wrong-clock@x", "imported@x"}  # all logged
    assert _acknowledged(store) == ["wrong-clock@x"]
    assert len(store.cases()) == 3  # history still opens its cases; it only gets no automatic answer
    store.close()


@pytest.mark.dovecot
def test_a_folder_first_synced_empty_answers_what_arrives_next(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient, db_url: str
) -> None:
    settings, store = _setup(tmp_path, db_url, dovecot.port, imap_user)
    assert run_once(settings, store, lambda _line: None) == 0
    state = store.folder_state("sales", "INBOX")
    assert state is not None and state.last_uid == 0 and state.watch_from_uid >= 1
    imap_client.append("INBOX", _complaint("<first@x>"))
    assert run_once(settings, store, lambda _line: None) == 0
    assert _acknowledged(store) == ["first@x"]
    store.close()


def test_arrival_of_decides_by_the_first_sync_and_the_server_time() -> None:
    window = timedelta(hours=72)
    assert arrival_of(5, NOW, watch_from_uid=6, now=NOW).history  # there before the first sync
    assert not arrival_of(6, NOW, watch_from_uid=6, now=NOW).history
    assert arrival_of(6, NOW - window - timedelta(minutes=1), 6, NOW).history  # reached us too long ago
    assert not arrival_of(6, NOW - window + timedelta(minutes=1), 6, NOW).history
    assert not arrival_of(6, None, 6, NOW).history  # a server that gives no INTERNALDATE: new
