"""The review page with `--config team/settings.toml`, served from another working folder.

Flask's send_file resolves a relative path against the package, not the
working folder: every path from settings must be absolute before it gets there.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mailflow.config import settings as config
from mailflow.demo.messages import fake_jpeg
from mailflow.drafts.store import Outbox
from mailflow.inbound.ingest import Ingest
from mailflow.ops.daemon import Drafter
from mailflow.review.accounts import Accounts
from mailflow.review.web.app import create_app
from mailflow.store.engine import Store
from tests.review.web.conftest import PASSWORD, BrowserClient, log_in
from tests.review.web.mail import chinese_complaint
from tests.support.memory_source import MemorySource
from tests.support.settings import TEMPLATES, write_settings


def test_thumbnail_and_attachment_are_served_with_a_relative_config_from_another_folder(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = tmp_path / "team"
    team.mkdir()
    path = write_settings(team, db_url, 1, "u", "p")
    text = path.read_text().replace(f'data_dir = "{team / "data"}"', 'data_dir = "data"')
    path.write_text(text.replace(f'dir = "{TEMPLATES}"\n', ""), encoding="utf-8")  # no templates.dir
    monkeypatch.chdir(tmp_path)
    settings = config.load(Path("team/settings.toml"))
    store = Store(settings.database_url)
    try:
        Ingest(settings, store).sync_folder(
            MemorySource([chinese_complaint()]), settings.mailboxes[0], "INBOX"
        )
        assert Drafter(settings, store).run() == 1
        Accounts(store).add("manager", PASSWORD)
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        monkeypatch.chdir(elsewhere)
        app = create_app(settings, store, secret_key=b"t" * 32)
        app.test_client_class = BrowserClient
        client = app.test_client()
        log_in(client)
        (draft,) = Outbox(store).drafts()
        page = client.get(f"/drafts/{draft['id']}").get_data(as_text=True)
        thumbnail = page.split('class="thumb" src="', 1)[1].split('"', 1)[0]
        link = page.split("<h3>", 1)[1].split('<a href="', 1)[1].split('"', 1)[0]
        for url in (thumbnail, link):
            response = client.get(url)
            assert response.status_code == 200, url
            assert response.get_data() == fake_jpeg(20_000, 1)
    finally:
        store.close()
