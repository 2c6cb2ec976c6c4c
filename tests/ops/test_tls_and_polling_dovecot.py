"""TLS (implicit and STARTTLS), XOAUTH2 and the polling fallback, against their own Dovecot instances."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from imapclient import IMAPClient

from mailflow.ops.daemon import Daemon, run_once
from mailflow.store.engine import Store
from tests.support.dovecot import PASSWORD, Dovecot
from tests.support.mail import buyer_mail
from tests.support.settings import load_settings, write_settings

pytestmark = pytest.mark.dovecot


def _server(**kwargs: object) -> Iterator[Dovecot]:
    if os.environ.get("MAILFLOW_SKIP_DOVECOT") == "1":
        pytest.skip("MAILFLOW_SKIP_DOVECOT=1: Dovecot tests explicitly opted out")
    server = Dovecot(**kwargs).start()  # type: ignore[arg-type]
    yield server
    server.cleanup()


@pytest.fixture(scope="module")
def tls_dovecot() -> Iterator[Dovecot]:
    yield from _server(tls=True)


@pytest.fixture(scope="module")
def no_idle_dovecot() -> Iterator[Dovecot]:
    # A server that does not offer IDLE, as some hosted mail still does not.
    yield from _server(
        extra_config="imap_capability = IMAP4rev1 LITERAL+ SASL-IR ID ENABLE UIDPLUS SPECIAL-USE"
    )


@pytest.fixture(scope="module")
def oauth_dovecot() -> Iterator[Dovecot]:
    yield from _server(oauth2=True)


def _append(server: Dovecot, user: str, message_id: str) -> None:
    client = IMAPClient(server.host, port=server.port, ssl=False)
    client.login(user, PASSWORD)
    client.append("INBOX", buyer_mail(message_id=f"<{message_id}>"))
    client.logout()


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_mail_is_fetched_over_tls_with_the_certificate_verified(
    tmp_path: Path,
    tls_dovecot: Dovecot,
    imap_user: str,
    db_url: str,
    security: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_dovecot.ca_file))
    _append(tls_dovecot, imap_user, "tls@x")
    port = tls_dovecot.tls_port if security == "ssl" else tls_dovecot.port
    path = write_settings(tmp_path, db_url, port, imap_user, PASSWORD)
    path.write_text(path.read_text().replace('security = "none"', f'security = "{security}"'))
    settings = load_settings(path)
    store = Store(settings.database_url)
    store.create_schema()
    lines: list[str] = []
    assert run_once(settings, store, lines.append) == 0, lines
    assert [c["message_id"] for c in store.contacts()] == ["tls@x"]
    store.close()


def test_an_untrusted_certificate_is_one_clear_error(
    tmp_path: Path, tls_dovecot: Dovecot, imap_user: str, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "no-such-ca.pem"))
    path = write_settings(tmp_path, db_url, tls_dovecot.tls_port, imap_user, PASSWORD)
    path.write_text(path.read_text().replace('security = "none"', 'security = "ssl"'))
    settings = load_settings(path)
    store = Store(settings.database_url)
    store.create_schema()
    lines: list[str] = []
    assert run_once(settings, store, lines.append) == 1
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1 and "CERTIFICATE_VERIFY_FAILED" in errors[0], lines
    store.close()


def test_without_idle_the_daemon_polls(
    tmp_path: Path, no_idle_dovecot: Dovecot, imap_user: str, db_url: str
) -> None:
    probe = IMAPClient(no_idle_dovecot.host, port=no_idle_dovecot.port, ssl=False)
    probe.login(imap_user, PASSWORD)
    assert not probe.has_capability("IDLE")
    probe.logout()
    path = write_settings(
        tmp_path, db_url, no_idle_dovecot.port, imap_user, PASSWORD, fetch={"poll_seconds": 1}
    )
    settings = load_settings(path)
    store = Store(settings.database_url)
    store.create_schema()
    daemon = Daemon(settings, store)
    daemon.start()
    try:
        time.sleep(0.5)
        _append(no_idle_dovecot, imap_user, "polled@x")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not store.contacts():
            time.sleep(0.05)
        assert [c["message_id"] for c in store.contacts()] == ["polled@x"]
    finally:
        daemon.stop()
        for watcher in daemon.watchers:
            watcher.join(10)
        store.close()


@pytest.mark.parametrize(
    ("lifetime", "logged"), [(600, True), (-60, False)], ids=["valid-token", "expired-token"]
)
def test_xoauth2_login_takes_the_token_from_a_secret_command(
    tmp_path: Path, oauth_dovecot: Dovecot, imap_user: str, db_url: str, lifetime: int, logged: bool
) -> None:
    _append(oauth_dovecot, imap_user, "oauth@x")
    token_file = tmp_path / "token"
    token_file.write_text(oauth_dovecot.oauth2_token(imap_user, lifetime))
    path = write_settings(tmp_path, db_url, oauth_dovecot.port, imap_user, PASSWORD)
    text = path.read_text().replace(
        f'password = "{PASSWORD}"', f'auth = "xoauth2"\noauth2_token = "cmd:cat {token_file}"'
    )
    path.write_text(text)
    settings = load_settings(path)
    store = Store(settings.database_url)
    store.create_schema()
    lines: list[str] = []
    code = run_once(settings, store, lines.append)
    if logged:
        assert code == 0, lines
        assert [c["message_id"] for c in store.contacts()] == ["oauth@x"]
    else:
        errors = [line for line in lines if line.startswith("error:")]
        assert code == 1 and len(errors) == 1 and "login refused" in errors[0], lines
        assert token_file.read_text() not in "".join(lines)
    store.close()
