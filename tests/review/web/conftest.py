"""A review page over a real database holding real drafts, and a logged-in test client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from mailflow.config import settings as config
from mailflow.config.settings import Settings
from mailflow.inbound.ingest import Ingest
from mailflow.ops.daemon import Drafter
from mailflow.review.accounts import Accounts
from mailflow.review.web.app import create_app
from mailflow.store.engine import Store
from tests.review.web.mail import chinese_complaint, hostile_complaint
from tests.support.memory_source import MemorySource
from tests.support.settings import write_settings
from tests.support.smtp_sink import FaultyHandler, running_sink

PASSWORD = "correct horse battery"
SITE = "http://localhost"  # where the test client's requests go: the page's own origin


class BrowserClient(FlaskClient):
    """A test client that, like every browser of today, says which page a form was posted from."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.environ_base["HTTP_ORIGIN"] = SITE


@dataclass
class Site:
    settings: Settings
    store: Store
    app: Flask
    path: Path
    sink: FaultyHandler  # the SMTP server the mailbox sends through


@pytest.fixture
def site(tmp_path: Path, db_url: str) -> Iterator[Site]:
    with running_sink() as (sink, smtp_port):
        smtp = f'\n[mailbox.smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\nsave_sent = false\n'
        path = write_settings(tmp_path, db_url, 1, "u", "p", extra=smtp)
        settings = config.load(path)
        store = Store(settings.database_url)
        store.create_schema()
        messages = [chinese_complaint(), hostile_complaint()]
        Ingest(settings, store).sync_folder(MemorySource(messages), settings.mailboxes[0], "INBOX")
        assert Drafter(settings, store).run() == 2
        Accounts(store).add("manager", PASSWORD)
        app = create_app(settings, store, secret_key=b"t" * 32)
        app.test_client_class = BrowserClient
        yield Site(settings, store, app, path, sink)
        store.close()


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the form"
    return found.group(1)


def log_in(client: FlaskClient, name: str = "manager", password: str = PASSWORD) -> str:
    """Logs in through the form; returns a CSRF token for later forms."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": name, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    return csrf_token(client.get("/").get_data(as_text=True))


@pytest.fixture
def client(site: Site) -> FlaskClient:
    return site.app.test_client()
