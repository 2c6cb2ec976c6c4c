"""`mailflow run` as a child process, stopped the way an operator stops it (SIGTERM)."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class RunningDaemon:
    def __init__(self, settings: Path) -> None:
        # A file, not a pipe: a daemon logging more than a pipe holds would block on a full pipe.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mailflow", "--config", str(settings), "run"],
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )
        self.stderr = ""

    def stop(self) -> str:
        """SIGTERM; the daemon must exit 0 without a traceback. Returns what it logged."""
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        finally:
            self.log.seek(0)
            self.stderr = self.log.read().decode(errors="replace")
            self.log.close()
        assert self.process.returncode == 0 and "Traceback" not in self.stderr, self.stderr
        return self.stderr


@contextmanager
def running_daemon(settings: Path) -> Iterator[RunningDaemon]:
    daemon = RunningDaemon(settings)
    try:
        yield daemon
    finally:
        if daemon.process.returncode is None:
            daemon.stop()


def wait_for(found: Callable[[], list[Any]], seconds: float = 30) -> list[Any]:
    """Poll until `found` returns something (the daemon works on its own clock)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = found()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"nothing after {seconds} s")


def http_get(url: str) -> tuple[int, str]:
    """(status, body) of one of the daemon's pages; (0, "") while it is not listening yet."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own http:// URL
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except urllib.error.URLError:
        return 0, ""


def wait_until_watching(settings: Path, mailbox: str = "sales", folder: str = "INBOX") -> None:
    """Until the daemon has synced `folder` once: mail that arrives from then on is new mail.

    What is already in a folder at mailflow's first sync is history and never answered,
    so a test whose mail must be answered delivers it only once mailflow watches.
    """
    from mailflow.config.settings import load
    from mailflow.store.engine import Store

    store = Store(load(settings).database_url)
    try:
        wait_for(lambda: [True] if store.folder_state(mailbox, folder) else [])
    finally:
        store.close()
