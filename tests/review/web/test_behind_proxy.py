"""The page served as the daemon serves it (waitress), behind the reverse proxy the README shows.

The proxy talks to the page over loopback and says, in X-Forwarded-Proto and -Host, which
https:// address the browser used: the page must see that origin, or it refuses every form.
"""

from __future__ import annotations

import http.client
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from mailflow.config import settings as config
from mailflow.demo.embedded import free_port
from mailflow.ops.http import PageServer
from mailflow.review.accounts import Accounts
from mailflow.store.engine import Store
from tests.review.web.conftest import PASSWORD
from tests.support.settings import write_settings

PUBLIC = "https://review.example.com"
FROM_THE_PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "review.example.com"}

Login = Callable[[str, dict[str, str]], int]


@contextmanager
def _served(tmp_path: Path, db_url: str, web: str, how: str = "daemon") -> Iterator[int]:
    """The page on a free port, served by the daemon's PageServer or by `mailflow review serve`."""
    port = free_port()
    path = write_settings(tmp_path, db_url, 1, "u", "p", extra=f"\n[web]\nport = {port}\n{web}\n")
    settings = config.load(path)
    store = Store(settings.database_url)
    Accounts(store).add("manager", PASSWORD)
    stop = threading.Event()
    if how == "daemon":
        server: PageServer | subprocess.Popen[bytes] = PageServer(settings, store, stop)
        server.start()
    else:
        command = [sys.executable, "-m", "mailflow", "--config", str(path), "review", "serve"]
        server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(port)
        yield port
    finally:
        if isinstance(server, PageServer):
            stop.set()
            server.join(10)
        else:
            server.terminate()
            server.wait(10)
        store.close()


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _login(port: int, origin: str, headers: dict[str, str]) -> int:
    """GET the login form, POST it back with `origin`; the status of the POST."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/login", headers=headers)
    page = connection.getresponse()
    cookie = page.getheader("Set-Cookie", "").split(";", 1)[0]
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.read().decode())
    assert found and cookie
    form = f"username=manager&password={PASSWORD.replace(' ', '+')}&csrf_token={found.group(1)}"
    post_headers = {
        **headers, "Origin": origin, "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
    }  # fmt: skip
    connection.request("POST", "/login", body=form, headers=post_headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


@pytest.mark.parametrize(
    ("how", "web"), [("daemon", ""), ("daemon", 'trusted_proxies = ["127.0.0.0/8"]'), ("command", "")]
)
def test_behind_the_trusted_proxy_a_form_from_the_public_address_is_accepted(
    tmp_path: Path, db_url: str, how: str, web: str
) -> None:
    with _served(tmp_path, db_url, web, how) as port:
        assert _login(port, PUBLIC, FROM_THE_PROXY) == 302
        assert _login(port, f"http://127.0.0.1:{port}", FROM_THE_PROXY) == 403


def test_forwarded_headers_from_a_peer_not_trusted_are_ignored(tmp_path: Path, db_url: str) -> None:
    with _served(tmp_path, db_url, "trusted_proxies = []") as port:
        assert _login(port, PUBLIC, FROM_THE_PROXY) == 403
        assert _login(port, f"http://127.0.0.1:{port}", FROM_THE_PROXY) == 302
