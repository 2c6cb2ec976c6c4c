"""The IMAP adapter against a real Dovecot: what it keeps out of the log and out of memory."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from imapclient import IMAPClient

from mailflow.mailservers.imap import ImapConnection
from tests.support.dovecot import PASSWORD, Dovecot
from tests.support.mail import buyer_mail
from tests.support.settings import load_settings, write_settings


def test_a_fetched_body_never_reaches_the_log_even_at_debug(
    tmp_path: Path,
    dovecot: Dovecot,
    imap_user: str,
    imap_client: IMAPClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """imapclient would have imaplib format every response, bodies included: memory, and a privacy leak."""
    imap_client.append("INBOX", buyer_mail(body="Our bank account changed to DE89 3704 0044 0532 0130 00."))
    path = write_settings(tmp_path, "sqlite://", dovecot.port, imap_user, PASSWORD, migrate=False)
    settings = load_settings(path)
    connection = ImapConnection(settings.mailboxes[0], settings.fetch)
    caplog.set_level(logging.DEBUG, logger="imapclient")
    # Its wire trace too, whatever an earlier test's logs.configure() left on it in this process.
    caplog.set_level(logging.DEBUG, logger="imapclient.imaplib")
    connection.connect()
    connection.examine("INBOX")
    (fetched,) = connection.fetch(connection.uids_after(0)).values()
    connection.close()
    assert b"DE89 3704" in fetched.raw
    assert any("FETCH" in record.getMessage() for record in caplog.records)  # the protocol is still logged
    assert "DE89 3704" not in caplog.text
