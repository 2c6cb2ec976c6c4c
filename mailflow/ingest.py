"""Fetch -> process -> record for one folder, batch by batch, from the checkpoint on.

This is the unit of work both `run --once` and the daemon's folder watchers
repeat. The checkpoint only moves in the transaction that records the batch,
so whatever happens between two batches, nothing is lost and nothing doubled.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from mailflow.attachments import AttachmentStore
from mailflow.config import MailboxSettings, Settings
from mailflow.imap import FolderStatus
from mailflow.pipeline import Failed, Processed, process
from mailflow.store import Store

log = logging.getLogger(__name__)


class MailSource(Protocol):
    """What ingest needs from a mail server (ImapConnection is the real one)."""

    def examine(self, folder: str) -> FolderStatus: ...
    def uids_after(self, last_uid: int) -> list[int]: ...
    def fetch(self, uids: Sequence[int]) -> dict[int, bytes]: ...


@dataclass
class SyncReport:
    fetched: int = 0
    recorded: int = 0
    duplicates: int = 0
    quarantined: int = 0

    def add(self, other: SyncReport) -> None:
        self.fetched += other.fetched
        self.recorded += other.recorded
        self.duplicates += other.duplicates
        self.quarantined += other.quarantined


class Ingest:
    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.attachments = AttachmentStore(settings.data_dir / "attachments", settings.max_attachment_bytes)

    def sync_folder(
        self,
        source: MailSource,
        mailbox: MailboxSettings,
        folder: str,
        sent_folder: bool = False,
        stop: threading.Event | None = None,
    ) -> SyncReport:
        """Process everything new in `folder`; stops between batches when `stop` is set."""
        status = source.examine(folder)
        state = self.store.folder_state(mailbox.name, folder)
        last_uid = 0
        if state is not None and state.uidvalidity == status.uidvalidity:
            last_uid = state.last_uid
        elif state is not None:
            log.warning(
                "%s/%s: UIDVALIDITY changed %s -> %s; rescanning, duplicates are skipped",
                mailbox.name, folder, state.uidvalidity, status.uidvalidity,
            )  # fmt: skip
        report = SyncReport()
        uids = source.uids_after(last_uid)
        size = self.settings.fetch.batch_size
        for start in range(0, len(uids), size):
            if stop is not None and stop.is_set():
                break
            batch = uids[start : start + size]
            report.add(self._batch(source, mailbox, folder, status.uidvalidity, batch, sent_folder))
        return report

    def _batch(
        self,
        source: MailSource,
        mailbox: MailboxSettings,
        folder: str,
        uidvalidity: int,
        uids: Sequence[int],
        sent_folder: bool,
    ) -> SyncReport:
        raw_by_uid = source.fetch(uids)
        own = self.settings.own_addresses
        results = [
            process(uid, raw_by_uid[uid], self.settings.rules, own, sent_folder)
            for uid in uids
            if uid in raw_by_uid
        ]
        del raw_by_uid
        stored = self.save_attachments(results)
        outcome = self.store.record_batch(
            mailbox.name, folder, uidvalidity, results, stored, last_uid=max(uids)
        )
        return SyncReport(len(results), outcome.recorded, outcome.duplicates, outcome.quarantined)

    def save_attachments(self, results: Sequence[Processed | Failed]) -> dict[str, bool]:
        stored: dict[str, bool] = {}
        for result in results:
            if isinstance(result, Processed):
                for attachment in result.mail.attachments:
                    if attachment.sha256 not in stored:
                        stored[attachment.sha256] = self.attachments.save(attachment)
        return stored
