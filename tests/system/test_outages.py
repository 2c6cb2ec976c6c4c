"""Outages a daemon lives through: the database at start and for a minute while running, the IMAP server.

The servers are real (PostgreSQL, Dovecot); a TCP proxy in front of each
plays the outage: open connections are reset and new ones refused until it is
back. Nothing may be lost or logged twice, and no traceback may be printed.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from imapclient import IMAPClient
from sqlalchemy import Engine, create_engine, text

from mailflow.demo.embedded import free_port
from tests.support.cli import run_mailflow
from tests.support.daemon import http_get, running_daemon, wait_for
from tests.support.dovecot import PASSWORD, Dovecot
from tests.support.mail import buyer_mail
from tests.support.proxy import FaultProxy
from tests.support.settings import write_settings

DATABASE_OUTAGE_SECONDS = 60  # the minute
# The IMAP outage is five minutes. With max_backoff_seconds = 2 the watcher retries every 2 s
# either way, so 30 s exercises the same path (15 reconnects refused) in a tenth of the time;
# MAILFLOW_TEST_IMAP_OUTAGE_SECONDS=300 runs the full five minutes.
IMAP_OUTAGE_SECONDS = float(os.environ.get("MAILFLOW_TEST_IMAP_OUTAGE_SECONDS", "30"))
FAST = {
    "noop_seconds": 1,
    "poll_seconds": 1,
    "timeout_seconds": 1,
    "max_backoff_seconds": 2,
    "lease_seconds": 3,
}


def _with_health(path: Path) -> int:
    port = free_port()
    path.write_text(path.read_text() + f"\n[health]\nenabled = true\nport = {port}\n")
    return port


def _logged(database: Engine) -> int:
    """Messages in the contact log, read directly (never through the proxy under test)."""
    with database.connect() as connection:
        return int(connection.execute(text("SELECT count(DISTINCT message_id) FROM contacts")).scalar_one())


def _append(client: IMAPClient, prefix: str, count: int) -> None:
    for index in range(count):
        client.append("INBOX", buyer_mail(message_id=f"<{prefix}{index}@harbor-imports.example>"))


@pytest.mark.parametrize("command", [("run",), ("run", "--once"), ("contacts", "list"), ("db", "upgrade")])
def test_a_database_unreachable_at_start_is_one_clear_line_and_exit_1(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, command: tuple[str, ...]
) -> None:
    url = f"postgresql+psycopg://mailflow:pw-never-shown@127.0.0.1:{free_port()}/test"
    path = write_settings(tmp_path, url, dovecot.port, imap_user, PASSWORD, migrate=False)
    done = run_mailflow(path, *command)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith(
        "mailflow: error: cannot reach the database postgresql+psycopg://mailflow:***@"
    )
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert "pw-never-shown" not in done.stderr


def test_the_daemon_waits_out_a_database_outage_and_logs_everything_once(
    tmp_path: Path, postgres_url: str, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient
) -> None:
    proxy = FaultProxy("127.0.0.1", 5432)
    through_proxy = postgres_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
    assert through_proxy != postgres_url
    path = write_settings(tmp_path, through_proxy, dovecot.port, imap_user, PASSWORD, fetch=FAST)
    health = _with_health(path)
    database = create_engine(postgres_url)  # the test's own view, not through the proxy

    _append(imap_client, "before", 3)
    with running_daemon(path) as daemon:
        wait_for(lambda: [True] if _logged(database) == 3 else [], 60)
        proxy.down()
        went_down = time.monotonic()
        _append(imap_client, "during", 10)
        _, text_ = wait_for(
            lambda: [r for r in [http_get(f"http://127.0.0.1:{health}/healthz")] if r[0] == 503], 40
        )[0]
        assert "database error" in text_, text_
        time.sleep(max(0.0, DATABASE_OUTAGE_SECONDS - (time.monotonic() - went_down)))
        assert _logged(database) == 3
        proxy.down(False)
        wait_for(lambda: [True] if _logged(database) == 13 else [], 60)
        wait_for(lambda: [True] if http_get(f"http://127.0.0.1:{health}/healthz")[0] == 200 else [], 30)
        stderr = daemon.stop()  # exit 0, no traceback
    with database.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM contacts")).scalar_one() == 13
    assert "database error" in stderr
    database.dispose()
    proxy.close()


def test_the_daemon_waits_out_an_imap_outage(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient
) -> None:
    proxy = FaultProxy(dovecot.host, dovecot.port)
    path = write_settings(tmp_path, db_url, proxy.port, imap_user, PASSWORD, fetch=FAST)
    health = _with_health(path)
    database = create_engine(db_url)

    _append(imap_client, "before", 2)
    with running_daemon(path) as daemon:
        wait_for(lambda: [True] if _logged(database) == 2 else [], 60)
        proxy.down()
        went_down = time.monotonic()
        _append(imap_client, "during", 5)
        _, text_ = wait_for(
            lambda: [r for r in [http_get(f"http://127.0.0.1:{health}/healthz")] if r[0] == 503], 40
        )[0]
        assert text_.startswith("sales: no successful fetch"), text_
        time.sleep(max(0.0, IMAP_OUTAGE_SECONDS - (time.monotonic() - went_down)))
        proxy.down(False)
        came_back = time.monotonic()
        wait_for(lambda: [True] if _logged(database) == 7 else [], 30)
        assert time.monotonic() - came_back < 10  # within a backoff step and a sync
        wait_for(lambda: [True] if http_get(f"http://127.0.0.1:{health}/healthz")[0] == 200 else [], 30)
        daemon.stop()
    database.dispose()
    proxy.close()
