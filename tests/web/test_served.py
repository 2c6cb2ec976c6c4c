"""The page as operators run it: `mailflow reviewers`, and the daemon serving it with web.enabled."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from mailflow.embedded import free_port
from tests.support.daemon import running_daemon
from tests.support.settings import write_settings


def _mailflow(settings: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mailflow", "--config", str(settings), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_reviewer_accounts_are_added_listed_and_removed(tmp_path: Path, sqlite_url: str) -> None:
    path = write_settings(tmp_path, sqlite_url, 1, "u", "p")
    added = _mailflow(
        path, "reviewers", "add", "wang", "--language", "zh", "--password-stdin", stdin="long enough pw\n"
    )
    assert added.returncode == 0, added.stderr
    too_short = _mailflow(path, "reviewers", "add", "li", "--password-stdin", stdin="short\n")
    assert too_short.returncode == 1 and "at least 10 characters" in too_short.stderr
    assert _mailflow(path, "reviewers", "list").stdout.split() == ["wang"]
    assert _mailflow(path, "reviewers", "remove", "wang").returncode == 0
    assert _mailflow(path, "reviewers", "list").stdout.split() == []
    assert _mailflow(path, "reviewers", "remove", "wang").returncode == 1


def test_the_daemon_serves_the_page_when_enabled_and_stops_with_it(
    tmp_path: Path, sqlite_url: str, dovecot: object, imap_user: str
) -> None:
    from tests.support.dovecot import PASSWORD, Dovecot

    assert isinstance(dovecot, Dovecot)
    port = free_port()
    path = write_settings(tmp_path, sqlite_url, dovecot.port, imap_user, PASSWORD)
    path.write_text(path.read_text() + f"\n[web]\nenabled = true\nport = {port}\n")
    with running_daemon(path):
        deadline, page = time.monotonic() + 30, ""
        while not page and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as response:
                    page = response.read().decode()
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        assert 'name="csrf_token"' in page
