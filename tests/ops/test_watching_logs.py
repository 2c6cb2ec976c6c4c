"""What the daemon says about its IMAP connections, run as an operator runs it against a real Dovecot:
a refused login once at ERROR, and after an outage one line that the folder is watched again."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
from imapclient import IMAPClient

from tests.support.cli import run_mailflow
from tests.support.daemon import RunningDaemon, running_daemon, wait_for
from tests.support.dovecot import PASSWORD, Dovecot
from tests.support.mail import buyer_mail
from tests.support.proxy import FaultProxy
from tests.support.settings import write_settings

pytestmark = pytest.mark.dovecot

FAST = {"noop_seconds": 1, "poll_seconds": 1, "timeout_seconds": 1, "max_backoff_seconds": 1}


def _logged_so_far(daemon: RunningDaemon) -> str:
    """The daemon's stderr while it runs (pread: the child's write offset is shared and stays put)."""
    return os.pread(daemon.log.fileno(), 1 << 22, 0).decode(errors="replace")


def test_a_refused_login_is_one_error_line_however_often_it_is_retried(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, db_url: str
) -> None:
    # Dovecot answers a wrong password after a delay: the default 5 s timeout waits for it.
    backoff = {"max_backoff_seconds": 1}
    path = write_settings(tmp_path, db_url, dovecot.port, imap_user, "not-the-password", fetch=backoff)
    with running_daemon(path) as daemon:
        wait_for(lambda: [True] if dovecot.log().count(f"user=<{imap_user}>") >= 4 else [], 40)
        stderr = daemon.stop()  # exit 0, no traceback
    refusals = [line for line in stderr.splitlines() if "login refused" in line]
    assert len(refusals) == 1, stderr
    assert " ERROR mailflow.ops.watching: mailbox sales " in refusals[0]
    assert refusals[0].endswith("; retrying every 1 s")
    assert "not-the-password" not in stderr


def test_a_refused_login_in_a_json_one_shot_run_is_an_error_record(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, db_url: str
) -> None:
    path = write_settings(
        tmp_path, db_url, dovecot.port, imap_user, "not-the-password", extra='\n[log]\nformat = "json"\n'
    )
    done = run_mailflow(path, "run", "--once")
    assert done.returncode == 1
    records = [json.loads(line) for line in done.stderr.splitlines()]
    (refused,) = [record for record in records if "login refused" in record["message"]]
    assert refused["level"] == "error" and refused["message"].startswith("mailbox sales ("), refused
    assert all(record["level"] == "info" for record in records if record is not refused)


def test_after_an_outage_the_folder_says_once_that_it_reconnected(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient
) -> None:
    proxy = FaultProxy(dovecot.host, dovecot.port)
    path = write_settings(tmp_path, db_url, proxy.port, imap_user, PASSWORD, fetch=FAST)
    imap_client.append("INBOX", buyer_mail(message_id="<before-outage@harbor-imports.example>"))
    with running_daemon(path) as daemon:
        wait_for(lambda: [True] if "sales/INBOX: 1 fetched" in _logged_so_far(daemon) else [], 60)
        assert "reconnected" not in _logged_so_far(daemon)  # the first connection is no reconnection
        proxy.down()
        went_down = time.monotonic()
        wait_for(lambda: [True] if "reconnecting in" in _logged_so_far(daemon) else [], 30)
        time.sleep(max(0.0, 3 - (time.monotonic() - went_down)))
        proxy.down(False)
        outage = time.monotonic() - went_down
        wait_for(lambda: re.findall(r"sales/INBOX: reconnected after (\d+) s", _logged_so_far(daemon)), 30)
        stderr = daemon.stop()
    (seconds,) = re.findall(r"INFO mailflow\.ops\.watching: sales/INBOX: reconnected after (\d+) s", stderr)
    # The daemon counts from when it notices the loss, up to one NOOP interval (1 s) after the proxy
    # went down, and rounds to the nearest second; it may add a backoff step (1 s) before it is back.
    assert outage - 1.5 <= int(seconds) <= outage + 3, stderr
    proxy.close()
