"""GET /healthz and /metrics from a running daemon, against Dovecot and a mailbox whose server is down."""

from __future__ import annotations

import http.client
import time
from pathlib import Path

from imapclient import IMAPClient

from mailflow.demo.embedded import free_port
from tests.support.daemon import http_get, running_daemon, wait_for, wait_until_watching
from tests.support.dovecot import PASSWORD, Dovecot
from tests.support.mail import buyer_mail
from tests.support.settings import write_settings


def test_health_follows_each_mailbox_and_metrics_count_what_happened(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient
) -> None:
    port = free_port()
    fast = {"noop_seconds": 1, "poll_seconds": 1, "timeout_seconds": 1, "max_backoff_seconds": 1}
    path = write_settings(tmp_path, db_url, dovecot.port, imap_user, PASSWORD, fetch=fast)
    path.write_text(path.read_text() + f"\n[health]\nenabled = true\nport = {port}\n")
    base = f"http://127.0.0.1:{port}"
    with running_daemon(path) as daemon:
        wait_for(lambda: [True] if http_get(f"{base}/healthz") == (200, "ok\n") else [])
        wait_until_watching(path)
        imap_client.append("INBOX", buyer_mail("Cracked glaze", "Half the mugs arrived cracked."))
        wait_for(
            lambda: [
                text
                for code, text in [http_get(f"{base}/metrics")]
                if 'state="pending_review"' in text and "tick_seconds_count" in text
            ]
        )
        # A fresh scrape: one scrape is not a snapshot. Its counters are read before its draft
        # count is queried, so a scrape that began just before the draft was made shows the draft
        # but not yet the fetch that caused it.
        _, metrics = http_get(f"{base}/metrics")
        assert 'mailflow_messages_fetched_total{mailbox="sales"} 1.0' in metrics
        assert 'mailflow_messages_tagged_total{tag="complaint:quality"} 1.0' in metrics
        assert 'mailflow_drafts{state="pending_review"} 1.0' in metrics
        assert 'mailflow_fetch_lag_seconds{mailbox="sales"}' in metrics
        assert "mailflow_tick_seconds_count" in metrics
        assert http_get(f"{base}/nothing")[0] == 404
        daemon.stop()


def test_a_mailbox_that_cannot_fetch_is_named_by_healthz(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str
) -> None:
    port, dead = free_port(), free_port()
    fast = {"noop_seconds": 1, "poll_seconds": 1, "timeout_seconds": 1, "max_backoff_seconds": 1}
    path = write_settings(tmp_path, db_url, dovecot.port, imap_user, PASSWORD, fetch=fast)
    second = (
        f'\n[[mailbox]]\nname = "export"\naddress = "export@ningbo-homeware.example"\n\n[mailbox.imap]\n'
        f'host = "127.0.0.1"\nport = {dead}\nsecurity = "none"\npassword = "p"\n'
    )
    path.write_text(path.read_text() + second + f"\n[health]\nenabled = true\nport = {port}\n")
    with running_daemon(path) as daemon:
        _, text = wait_for(
            lambda: [r for r in [http_get(f"http://127.0.0.1:{port}/healthz")] if r[0] == 503], 40
        )[0]
        assert text.startswith("export: no successful fetch for") and "sales" not in text
        daemon.stop()


def test_a_keep_alive_client_does_not_hold_the_daemons_stop(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str
) -> None:
    """A metrics scraper keeps its connection open between scrapes; SIGTERM must not wait for it."""
    port = free_port()
    path = write_settings(tmp_path, db_url, dovecot.port, imap_user, PASSWORD)
    path.write_text(path.read_text() + f"\n[health]\nenabled = true\nport = {port}\n")
    with running_daemon(path) as daemon:
        wait_for(lambda: [True] if http_get(f"http://127.0.0.1:{port}/healthz")[0] else [])
        scraper = http.client.HTTPConnection("127.0.0.1", port, timeout=5)  # HTTP/1.1: kept alive
        scraper.request("GET", "/metrics")
        assert scraper.getresponse().read().startswith(b"# HELP")
        assert scraper.sock is not None
        started = time.monotonic()
        daemon.stop()
        # The daemon bounds its stop at 10 s; before, this connection held it for all of them.
        assert time.monotonic() - started < 5
        assert scraper.sock.recv(1) == b""  # the server hung up on the idle connection
        scraper.close()
