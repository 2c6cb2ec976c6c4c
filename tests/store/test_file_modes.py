"""The SQLite database holds buyer mail and password hashes: only mailflow's own user may read it."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from mailflow.inbound.ingest import Ingest
from mailflow.store.engine import Store
from tests.support.file_modes import permissive_umask
from tests.support.mail import buyer_mail
from tests.support.memory_source import MemorySource
from tests.support.settings import load_settings, write_settings


@pytest.fixture(autouse=True)
def _usual_umask() -> Iterator[None]:
    with permissive_umask():
        yield


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_and_its_journal_files_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    database = tmp_path / "mailflow.db"
    settings = load_settings(write_settings(tmp_path, f"sqlite:///{database}", 1, "sales", "secret"))
    store = Store(settings.database_url)
    Ingest(settings, store).sync_folder(MemorySource([buyer_mail()]), settings.mailboxes[0], "INBOX")
    assert len(store.contacts()) == 1
    # The write-ahead log and its index exist while a connection is open.
    journal = [tmp_path / "mailflow.db-wal", tmp_path / "mailflow.db-shm"]
    assert all(path.exists() for path in journal)
    assert {path.name: oct(_mode(path)) for path in (database, *journal)} == {
        "mailflow.db": "0o600",
        "mailflow.db-wal": "0o600",
        "mailflow.db-shm": "0o600",
    }
    store.close()


def test_an_existing_database_keeps_the_mode_its_operator_gave_it(tmp_path: Path) -> None:
    database = tmp_path / "shared.db"
    first = Store(f"sqlite:///{database}")
    first.create_schema()
    first.close()
    database.chmod(0o640)  # for example, readable by a backup group
    again = Store(f"sqlite:///{database}")
    assert again.contacts() == []
    again.close()
    assert _mode(database) == 0o640
