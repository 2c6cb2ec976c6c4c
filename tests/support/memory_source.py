"""A MailSource over a list of raw messages: for pure-pipeline tests where no server is the point.

The IMAP adapter itself is always tested against Dovecot.
"""

from __future__ import annotations

from collections.abc import Sequence

from mailflow.mailservers.imap import FolderStatus


class MemorySource:
    def __init__(self, messages: Sequence[bytes], uidvalidity: int = 1) -> None:
        self.messages = {index + 1: raw for index, raw in enumerate(messages)}
        self.uidvalidity = uidvalidity

    def examine(self, folder: str) -> FolderStatus:
        return FolderStatus(folder, self.uidvalidity, len(self.messages) + 1, len(self.messages))

    def uids_after(self, last_uid: int) -> list[int]:
        return [uid for uid in self.messages if uid > last_uid]

    def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        return {uid: len(self.messages[uid]) for uid in uids if uid in self.messages}

    def fetch(self, uids: Sequence[int]) -> dict[int, bytes]:
        return {uid: self.messages[uid] for uid in uids if uid in self.messages}
