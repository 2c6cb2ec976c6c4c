"""Every message of the shared public corpora goes through the real pipeline into SQLite:
logged, or quarantined with a reason; none crashes the run and none is lost."""

from __future__ import annotations

from pathlib import Path

from mailflow.inbound.ingest import Ingest
from mailflow.inbound.pipeline import Processed, process
from mailflow.store.engine import Store
from tests.support.corpora import corpus_files
from tests.support.memory_source import MemorySource
from tests.support.settings import load_settings, write_settings


def test_every_corpus_message_is_logged_or_quarantined(tmp_path: Path, db_url: str) -> None:
    files = corpus_files()
    assert len(files) > 200
    settings = load_settings(write_settings(tmp_path, db_url, 1, "u", "p"))
    store = Store(settings.database_url)
    store.create_schema()
    messages = [path.read_bytes() for path in files]
    report = Ingest(settings, store).sync_folder(MemorySource(messages), settings.mailboxes[0], "INBOX")
    assert report.fetched == len(files)
    # Same Message-ID in several corpus files is the only way to be "already logged".
    keys = [
        result.mail.dedupe_key
        for raw in messages
        if isinstance(result := process(0, raw, settings.rules, frozenset()), Processed)
    ]
    assert report.recorded + report.quarantined == len(set(keys)) + (len(messages) - len(keys))
    assert report.recorded + report.duplicates + report.quarantined == len(files)
    for row in store.quarantined():
        assert row["reason"]
    assert store.folder_state("sales", "INBOX") is not None
    store.close()
