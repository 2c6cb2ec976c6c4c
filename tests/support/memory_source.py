"""A MailSource over a list of raw messages: for pure-pipeline tests where no server is the point.

The IMAP adapter itself is always tested against Dovecot.

Whether mail is history is decided by arrival (inbound/ingest.arrival_of): what
was in the folder at mailflow's first look is history. By default the messages
here arrive just after that first look (between EXAMINE and SEARCH, as they
can on a real server), so they are new mail that may get an answer;
`already_there` says how many of the first ones were in the folder before.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from mailflow.mailservers.imap import FetchedMessage, FolderStatus


class MemorySource:
    def __init__(
        self,
        messages: Sequence[bytes],
        uidvalidity: int = 1,
        already_there: int = 0,
        arrived: datetime | None = None,
    ) -> None:
        self.messages = {index + 1: raw for index, raw in enumerate(messages)}
        self.uidvalidity = uidvalidity
        self.already_there = already_there
        self.arrived = arrived  # INTERNALDATE of every message; None: now
        self.looked = False

    def examine(self, folder: str) -> FolderStatus:
        # UIDNEXT at the first look: only what was already there is below it.
        uidnext = len(self.messages) + 1 if self.looked else self.already_there + 1
        self.looked = True
        return FolderStatus(folder, self.uidvalidity, uidnext, len(self.messages))

    def uids_after(self, last_uid: int) -> list[int]:
        return [uid for uid in self.messages if uid > last_uid]

    def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        return {uid: len(self.messages[uid]) for uid in uids if uid in self.messages}

    def fetch(self, uids: Sequence[int]) -> dict[int, FetchedMessage]:
        arrived = self.arrived or datetime.now(UTC)
        return {uid: FetchedMessage(self.messages[uid], arrived) for uid in uids if uid in self.messages}
