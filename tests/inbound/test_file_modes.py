"""Attachments are buyer mail: their files are 0600 and their folders 0700, whatever the umask."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from mailflow.demo.messages import fake_jpeg
from mailflow.inbound.ingest import Ingest
from mailflow.store.engine import Store
from tests.support.file_modes import modes_under, permissive_umask
from tests.support.memory_source import MemorySource
from tests.support.settings import load_settings, write_settings


@pytest.fixture(autouse=True)
def _usual_umask() -> Iterator[None]:
    with permissive_umask():
        yield


def _with_photo(photo: bytes) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Maria Lopez <maria@harbor-imports.example>"
    msg["Subject"] = "Broken mugs"
    msg["Message-ID"] = "<photo@harbor-imports.example>"
    msg.set_content("Photos of the broken mugs attached.")
    msg.add_attachment(photo, maintype="image", subtype="jpeg", filename="IMG_1.jpg")
    return msg.as_bytes()


def test_stored_attachments_and_the_folders_mailflow_made_for_them_are_private(
    tmp_path: Path, db_url: str
) -> None:
    settings = load_settings(write_settings(tmp_path, db_url, 1, "sales", "secret"))
    photo = fake_jpeg(40_000, 7)
    digest = hashlib.sha256(photo).hexdigest()
    store = Store(settings.database_url)
    Ingest(settings, store).sync_folder(MemorySource([_with_photo(photo)]), settings.mailboxes[0], "INBOX")
    store.close()
    assert modes_under(tmp_path / "data") == {
        ".": "0o700",
        "attachments": "0o700",
        f"attachments/{digest[:2]}": "0o700",
        f"attachments/{digest[:2]}/{digest}": "0o600",
    }
