"""Every path in settings.toml is absolute once loaded, relative to the file, wherever mailflow was started."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mailflow.config import settings as config
from mailflow.errors import ConfigError
from tests.support.settings import MINIMAL_MAILBOX

PATHS = """
[database]
url = "sqlite:///mailflow.db"
[storage]
data_dir = "data"
[templates]
dir = "own-templates"
[classify]
model = "models/tagging.npz"
[schedule.updates]
news_dir = "../news"
"""


def test_relative_paths_are_resolved_against_the_settings_file_not_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = tmp_path / "team"
    (team / "own-templates").mkdir(parents=True)
    (team / "settings.toml").write_text(PATHS + MINIMAL_MAILBOX, encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(tmp_path)
    settings = config.load(Path("team/settings.toml"))  # as `mailflow --config team/settings.toml`
    monkeypatch.chdir(elsewhere)  # the review page or a later command looks from somewhere else
    assert settings.path == team / "settings.toml"
    assert settings.data_dir == team / "data" and settings.data_dir.is_absolute()
    assert settings.replies.templates_dir == team / "own-templates"
    assert settings.schedule.news_dir.is_absolute()
    assert os.path.normpath(settings.schedule.news_dir) == str(tmp_path / "news")
    assert settings.database_url == f"sqlite:///{team / 'mailflow.db'}"
    assert settings.rules.model == str(team / "models" / "tagging.npz")


def test_the_default_settings_toml_in_the_working_folder_gives_absolute_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "settings.toml").write_text(MINIMAL_MAILBOX, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings = config.load(config.config_path(None))
    assert settings.data_dir == tmp_path / "data"
    assert settings.replies.templates_dir == tmp_path / "templates"
    assert settings.schedule.news_dir == tmp_path / "news"


def test_without_templates_dir_a_missing_templates_folder_is_no_error(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text(MINIMAL_MAILBOX, encoding="utf-8")
    settings = config.load(tmp_path / "settings.toml")
    assert not settings.replies.templates_dir.exists()  # the shipped templates are used


def test_a_templates_dir_that_is_not_there_stops_mailflow_naming_the_key(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text('[templates]\ndir = "ours"\n' + MINIMAL_MAILBOX, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^templates\.dir: folder .*ours not found"):
        config.load(tmp_path / "settings.toml")


def test_a_relative_secret_file_is_read_beside_the_settings_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = tmp_path / "team"
    (team / "secrets").mkdir(parents=True)
    (team / "secrets" / "imap").write_text("s3cret-imap\n", encoding="utf-8")
    (team / "secrets" / "db").write_text(f"sqlite:///{team / 'other.db'}\n", encoding="utf-8")
    mailbox = MINIMAL_MAILBOX.replace('"env:MAILFLOW_TEST_SECRET"', '"file:secrets/imap"')
    (team / "settings.toml").write_text('[database]\nurl = "file:secrets/db"\n' + mailbox, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings = config.load(Path("team/settings.toml"))
    monkeypatch.chdir(team / "secrets")
    password = settings.mailboxes[0].imap.password
    assert password is not None and password.reveal() == "s3cret-imap"
    assert settings.database_url == f"sqlite:///{team / 'other.db'}"
