"""The page as operators run it: `mailflow reviewers`, and the daemon serving it with web.enabled."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from pathlib import Path

from mailflow.demo.embedded import free_port
from tests.support.cli import run_mailflow
from tests.support.daemon import running_daemon
from tests.support.settings import write_settings


def test_reviewer_accounts_are_added_listed_and_removed(tmp_path: Path, db_url: str) -> None:
    path = write_settings(tmp_path, db_url, 1, "u", "p")
    added = run_mailflow(
        path, "reviewers", "add", "wang", "--language", "zh", "--password-stdin", stdin="long enough pw\n"
    )
    assert added.returncode == 0, added.stderr
    too_short = run_mailflow(path, "reviewers", "add", "li", "--password-stdin", stdin="short\n")
    assert too_short.returncode == 1 and "at least 10 characters" in too_short.stderr
    assert run_mailflow(path, "reviewers", "list").stdout.split() == ["wang"]
    assert run_mailflow(path, "reviewers", "remove", "wang").returncode == 0
    assert run_mailflow(path, "reviewers", "list").stdout.split() == []
    assert run_mailflow(path, "reviewers", "remove", "wang").returncode == 1


def test_the_daemon_serves_the_page_when_enabled_and_stops_with_it(
    tmp_path: Path, db_url: str, dovecot: object, imap_user: str
) -> None:
    from tests.support.dovecot import PASSWORD, Dovecot

    assert isinstance(dovecot, Dovecot)
    port = free_port()
    path = write_settings(tmp_path, db_url, dovecot.port, imap_user, PASSWORD)
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
