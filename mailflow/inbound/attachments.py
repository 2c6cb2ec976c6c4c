"""Attachments on disk, content-addressed by SHA-256, with a size cap.

Writing the same content twice is harmless, which is what makes re-processing
a batch after a crash safe. They are buyer mail: files 0600, folders 0700.
A file and its name are synced to disk before save() returns, because the
batch's commit, which comes after, records it as stored: a power cut must not
leave a row saying "stored" over a file that is empty or gone.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from mailflow.inbound.message import Attachment
from mailflow.store.private_files import make_private_folder, sync_folder, write_private


class AttachmentStore:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def save(self, attachment: Attachment) -> bool:
        """Store the payload; False when it is over the cap (the row still records it)."""
        if attachment.size > self.max_bytes:
            return False
        target = self.path_for(attachment.sha256)
        if target.exists():
            return True
        if not target.parent.is_dir():
            make_private_folder(target.parent)
            sync_folder(self.root)
        # Written beside the target and renamed: a reader never sees half a file.
        temporary = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.part")
        try:
            write_private(temporary, attachment.payload)  # synced
            os.replace(temporary, target)
            sync_folder(target.parent)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return True
