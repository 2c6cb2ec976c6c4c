"""Attachments on disk, content-addressed by SHA-256, with a size cap.

Writing the same content twice is harmless, which is what makes re-processing
a batch after a crash safe. They are buyer mail: files 0600, folders 0700.
A file and its name are synced to disk before the batch's commit records it
as stored: a power cut must not leave a row saying "stored" over a file that
is empty or gone. A batch's files are synced together (`AttachmentStore.batch`):
each fsync forces a journal commit, and one per file made a backlog's photos
cost more than parsing the mail they came with.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from mailflow.inbound.message import Attachment
from mailflow.store.private_files import make_private_folder, open_private, sync_folder

if TYPE_CHECKING:
    from mailflow.config.settings import Settings


class AttachmentStore:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    @classmethod
    def of(cls, settings: Settings) -> AttachmentStore:
        """The store under the settings' data folder, where every part of mailflow looks for it."""
        return cls(settings.data_dir / "attachments", settings.max_attachment_bytes)

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def save(self, attachment: Attachment) -> bool:
        """Store the payload, on disk when this returns; False when it is over the cap (the row still records it)."""
        with self.batch() as batch:
            return batch.add(attachment)

    def batch(self) -> AttachmentBatch:
        """Files written now, all synced and named when the `with` block ends (or when many are pending)."""
        return AttachmentBatch(self)


class AttachmentBatch:
    """Writes each file beside its target at once; syncs, renames and syncs the folders at `flush`.

    A reader never sees half a file: the name appears only after the data is on disk.
    """

    # Files kept open until the flush: bounded, so a batch of many attachments needs no more descriptors.
    MAX_PENDING = 64

    def __init__(self, store: AttachmentStore) -> None:
        self.store = store
        self._pending: list[tuple[int, Path, Path]] = []  # descriptor, temporary, target
        self._new_folders = False

    def add(self, attachment: Attachment) -> bool:
        """False when over the cap; True when the file is there or will be at the flush."""
        if attachment.size > self.store.max_bytes:
            return False
        target = self.store.path_for(attachment.sha256)
        if target.exists() or any(pending == target for _, _, pending in self._pending):
            return True
        if not target.parent.is_dir():
            make_private_folder(target.parent)
            self._new_folders = True
        temporary = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.part")
        try:
            descriptor = open_private(temporary, attachment.payload)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        self._pending.append((descriptor, temporary, target))
        if len(self._pending) >= self.MAX_PENDING:
            self.flush()
        return True

    def flush(self) -> None:
        """Each pending file's data on disk, then its name, then the folders' entries."""
        pending, self._pending = self._pending, []
        try:
            try:
                if self._new_folders:
                    sync_folder(self.store.root)
                    self._new_folders = False
                for descriptor, _, _ in pending:
                    os.fsync(descriptor)
            finally:
                for descriptor, _, _ in pending:
                    os.close(descriptor)
            for _, temporary, target in pending:
                os.replace(temporary, target)
        except BaseException:
            for _, temporary, _ in pending:
                temporary.unlink(missing_ok=True)  # one renamed already is gone from here
            raise
        for folder in dict.fromkeys(target.parent for _, _, target in pending):
            sync_folder(folder)

    def __enter__(self) -> AttachmentBatch:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if kind is None:
            self.flush()
        else:
            _discard(self._pending)
            self._pending = []


def _discard(pending: list[tuple[int, Path, Path]]) -> None:
    """Files written but never flushed: closed and removed, so no stray temporary is left."""
    for descriptor, temporary, _ in pending:
        os.close(descriptor)
        temporary.unlink(missing_ok=True)
