"""The operator's `[parse]` limits reach the parser in every path a message takes (issue #17)."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mailflow.config import settings as config
from mailflow.inbound.ingest import Ingest
from mailflow.store.engine import Store
from mailflow.store.models import Contact, StoredAttachment
from tests.support.memory_source import MemorySource
from tests.support.settings import write_settings


def _with_ten_files(message_id: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Maria Lopez <maria@harbor-imports.example>"
    msg["To"] = "sales@ningbo-homeware.example"
    msg["Subject"] = "Packing lists"
    msg["Message-ID"] = f"<{message_id}>"
    msg.set_content("The packing lists, one per container.")
    for index in range(10):
        msg.add_attachment(f"list {index}".encode(), maintype="application", subtype="octet-stream",
                           filename=f"list-{index}.txt")  # fmt: skip
    return msg.as_bytes()


@pytest.mark.parametrize("workers", [0, 1])
def test_max_parts_from_settings_bounds_what_ingest_stores(
    tmp_path: Path, workers: int, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'limits.db'}"
    path = write_settings(tmp_path, url, 1, "u", "p", fetch={"workers": workers, "batch_size": 1})
    path.write_text(path.read_text() + "\n[parse]\nmax_parts = 4\n")
    settings = config.load(path)
    store = Store(url)
    try:
        # Workers run only for a backlog of several batches: four messages, one a batch.
        inbox = [_with_ten_files(f"lists-{index}@x") for index in range(4)]
        Ingest(settings, store).sync_folder(MemorySource(inbox), settings.mailboxes[0], "INBOX")
        with store.sessions() as session:
            assert session.scalar(select(func.count()).select_from(Contact)) == 4
            # The message itself is a part: 4 parts are the text and 2 files; the other 8 are counted.
            assert session.scalar(select(func.count()).select_from(StoredAttachment)) == 4 * 2
        # Each such message is logged with what was left out.
        said = [r.getMessage() for r in caplog.records if "parsed with defects" in r.getMessage()]
        assert len(said) == 4 and all("8 MIME parts over the limit of 4 not read" in line for line in said)
    finally:
        store.close()
