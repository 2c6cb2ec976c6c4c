"""SIGKILL in the middle of a batch, then a rerun: every message logged exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from imapclient import IMAPClient
from sqlalchemy import create_engine, text

from tests.support.dovecot import PASSWORD, Dovecot
from tests.support.mail import buyer_mail
from tests.support.settings import write_settings

pytestmark = pytest.mark.dovecot
TOTAL = 1500


def _count(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM contacts")).scalar_one())
    except Exception:  # noqa: BLE001 - the schema may not exist yet while the child starts
        return 0
    finally:
        engine.dispose()


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_sigkill_mid_batch_then_rerun_logs_every_message_exactly_once(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient, db_url: str
) -> None:
    for start in range(0, TOTAL, 100):
        imap_client.multiappend(
            "INBOX", [buyer_mail(message_id=f"<k{i}@x>", padding=3000) for i in range(start, start + 100)]
        )
    path = write_settings(tmp_path, db_url, dovecot.port, imap_user, PASSWORD, fetch={"batch_size": 25})
    command = [sys.executable, "-m", "mailflow", "--config", str(path), "run", "--once"]

    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while _count(db_url) < 100 and time.monotonic() < deadline:
        time.sleep(0.02)
    workers = _children(child.pid)
    assert workers, "a run this size parses in worker processes"
    os.kill(child.pid, signal.SIGKILL)
    child.wait(10)
    partial = _count(db_url)
    assert 0 < partial < TOTAL, "the kill must land in the middle of the run"
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers), (
        "workers must not outlive a killed parent"
    )

    rerun = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    engine = create_engine(db_url)
    with engine.connect() as connection:
        ids = connection.execute(text("SELECT message_id FROM contacts")).scalars().all()
    engine.dispose()
    assert len(ids) == TOTAL
    assert sorted(ids) == sorted(f"k{i}@x" for i in range(TOTAL))


def test_sigterm_stops_the_daemon_cleanly_with_exit_0(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient, db_url: str
) -> None:
    imap_client.append("INBOX", buyer_mail(message_id="<before-term@x>"))
    path = write_settings(tmp_path, db_url, dovecot.port, imap_user, PASSWORD)
    daemon = subprocess.Popen(
        [sys.executable, "-m", "mailflow", "--config", str(path), "run"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while _count(db_url) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _count(db_url) == 1
    started = time.monotonic()
    daemon.send_signal(signal.SIGTERM)
    _, stderr = daemon.communicate(timeout=15)
    assert daemon.returncode == 0, stderr
    assert time.monotonic() - started < 10
    assert "Traceback" not in stderr
