"""The IMAP adapter: connect, log in, examine folders, fetch, wait with IDLE.

Folders are opened with EXAMINE (read-only) and messages fetched with
BODY.PEEK[], so mailflow can never set or clear \\Seen, delete or move: the reps
see their mailbox exactly as they left it. The one write is our own: a copy
of each message we send, appended to the Sent folder. Every imaplib/socket failure is
turned into a ConnectionLost or LoginFailed that names the mailbox, never the
password.
"""

from __future__ import annotations

import imaplib
import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from imapclient import SEEN, IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from mailflow.config.settings import FetchSettings, MailboxSettings
from mailflow.errors import ConnectionLost, LoginFailed, MailServerError

log = logging.getLogger(__name__)

ClientFactory = Callable[..., IMAPClient]
_ID = {"name": "mailflow", "version": "0.1", "vendor": "mailflow"}
_SETTLE_SECONDS = 1.0
_SIZES_PER_COMMAND = 500
_IMAPLIB_DEBUG = 4


@dataclass(frozen=True, slots=True)
class FetchedMessage:
    raw: bytes
    arrived: datetime | None  # INTERNALDATE: when the message reached the server


def _utc(value: object) -> datetime | None:
    """imapclient gives INTERNALDATE as local time without a zone (normalise_times); we keep UTC."""
    if not isinstance(value, datetime):
        return None
    return value.astimezone(UTC)


@dataclass(frozen=True)
class FolderStatus:
    name: str
    uidvalidity: int
    uidnext: int
    exists: int


@contextmanager
def _translated(where: str) -> Iterator[None]:
    """imaplib, ssl and socket errors -> our small hierarchy, with context and no secrets."""
    try:
        yield
    except LoginError as exc:
        raise LoginFailed(f"{where}: login refused: {_server_text(exc)}") from None
    except (imaplib.IMAP4.abort, OSError, EOFError, ssl.SSLError) as exc:
        raise ConnectionLost(f"{where}: connection lost ({type(exc).__name__}: {exc})") from exc
    except (IMAPClientError, imaplib.IMAP4.error) as exc:
        raise MailServerError(f"{where}: server error: {_server_text(exc)}") from exc


def _server_text(exc: BaseException) -> str:
    text = str(exc)
    if text.startswith("b'") or text.startswith('b"'):
        text = text[2:-1]
    return text.strip() or type(exc).__name__


class ImapConnection:
    """One logged-in connection for one mailbox; a folder watcher owns it alone."""

    def __init__(
        self, mailbox: MailboxSettings, fetch: FetchSettings, factory: ClientFactory = IMAPClient
    ) -> None:
        self.mailbox = mailbox
        self.settings = fetch
        self.factory = factory
        self.client: IMAPClient | None = None
        self.capabilities: frozenset[str] = frozenset()
        # Set when any response carried EXISTS: the folder grew under a command whose
        # own result may not show it (a SEARCH evaluated just before an APPEND landed).
        self.grew = False
        imap = mailbox.imap
        self.where = f"mailbox {mailbox.name} ({imap.host}:{imap.port})"

    # -- connection ----------------------------------------------------------

    def connect(self) -> None:
        imap = self.mailbox.imap
        with _translated(self.where):
            client = self.factory(
                imap.host,
                port=imap.port,
                ssl=imap.security == "ssl",
                ssl_context=ssl.create_default_context() if imap.security != "none" else None,
                timeout=self.settings.timeout_seconds,
            )
            # imapclient turns imaplib's debug up to 5, at which imaplib formats the repr of every
            # response, message bodies included, even when nothing logs it: a 25 MB message cost
            # 55 MB more at its peak. At 4 it still logs the protocol lines, never a body.
            client._imap.debug = min(client._imap.debug, _IMAPLIB_DEBUG)
            self.client = client
            if imap.security == "starttls":
                client.starttls(ssl.create_default_context())
            self._login(client)
            # NetEase (163/126) refuses SELECT from clients that did not say who they are.
            if imap.send_id and client.has_capability("ID"):
                client.id_(_ID)
            self.capabilities = frozenset(
                cap.decode() if isinstance(cap, bytes) else str(cap) for cap in client.capabilities()
            )

    def _login(self, client: IMAPClient) -> None:
        imap = self.mailbox.imap
        if imap.auth == "xoauth2":
            assert imap.oauth2_token is not None
            client.oauth2_login(imap.username, imap.oauth2_token.reveal())
        else:
            assert imap.password is not None
            client.login(imap.username, imap.password.reveal())

    def close(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        try:
            client.logout()
        except Exception:  # noqa: BLE001 - closing a dead connection must not raise
            try:
                client.shutdown()
            except Exception:  # noqa: BLE001
                log.debug("%s: socket already gone", self.where)

    @property
    def has_idle(self) -> bool:
        return "IDLE" in self.capabilities

    def _client(self) -> IMAPClient:
        if self.client is None:
            raise ConnectionLost(f"{self.where}: not connected")
        return self.client

    # -- folders -------------------------------------------------------------

    def special_folder(self, flag: bytes) -> str | None:
        """The folder with a SPECIAL-USE flag (\\Sent, \\Drafts), whatever its local name."""
        # imapclient looks at the SPECIAL-USE flags first, then at the usual names.
        with _translated(self.where):
            found = self._client().find_special_folder(flag)
        return str(found) if found else None

    def create_folder(self, folder: str) -> None:
        with _translated(f"{self.where} folder {folder}"):
            self._client().create_folder(folder)

    def append(self, folder: str, raw: bytes, when: datetime) -> None:
        """Our own sent message into the Sent folder, already read (\\Seen): the rep wrote it."""
        with _translated(f"{self.where} folder {folder}"):
            self._client().append(folder, raw, flags=(SEEN,), msg_time=when)

    def has_message_id(self, folder: str, message_id: str) -> bool:
        """Whether a message with this Message-ID is in the folder (read-only, like every look)."""
        self.examine(folder)
        with _translated(f"{self.where} folder {folder}"):
            found = self._client().search(["HEADER", "Message-ID", f"<{message_id}>"])
        return bool(found)

    def examine(self, folder: str) -> FolderStatus:
        with _translated(f"{self.where} folder {folder}"):
            info: dict[bytes, Any] = self._client().select_folder(folder, readonly=True)
        self._pending_exists()  # stale announcements: the SEARCH that follows sees it all
        self.grew = False
        return FolderStatus(
            name=folder,
            uidvalidity=int(info.get(b"UIDVALIDITY", 0)),
            uidnext=int(info.get(b"UIDNEXT", 0) or 0),
            exists=int(info.get(b"EXISTS", 0)),
        )

    def uids_after(self, last_uid: int) -> list[int]:
        with _translated(self.where):
            # "n:*" always matches the last message, even when its UID is below n.
            uids = self._client().search(["UID", f"{last_uid + 1}:*"])
        self.grew |= self._pending_exists()
        return sorted(uid for uid in uids if uid > last_uid)

    def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        """RFC822.SIZE by UID, so batches can be cut by weight before their bodies are fetched.

        A few hundred UIDs per command: a backlog's UIDs all in one would pass the
        longest command line servers take (8 KB is common). A UID expunged meanwhile is absent.
        """
        found: dict[int, int] = {}
        for start in range(0, len(uids), _SIZES_PER_COMMAND):
            with _translated(self.where):
                response = self._client().fetch(
                    list(uids[start : start + _SIZES_PER_COMMAND]), ["RFC822.SIZE"]
                )
            self.grew |= self._pending_exists()
            for uid, data in response.items():
                size = data.get(b"RFC822.SIZE")
                if isinstance(size, int):
                    found[int(uid)] = size
        return found

    def fetch(self, uids: Sequence[int]) -> dict[int, FetchedMessage]:
        """Raw bytes and arrival time by UID. A UID expunged since SEARCH is simply absent."""
        if not uids:
            return {}
        with _translated(self.where):
            response = self._client().fetch(list(uids), ["BODY.PEEK[]", "INTERNALDATE"])
        self.grew |= self._pending_exists()
        found: dict[int, FetchedMessage] = {}
        for uid, data in response.items():
            body = data.get(b"BODY[]")
            if isinstance(body, bytes):
                found[int(uid)] = FetchedMessage(body, _utc(data.get(b"INTERNALDATE")))
        return found

    # -- waiting -------------------------------------------------------------

    def wait_for_news(self, stop: threading.Event) -> bool:
        """Block until the folder may have grown, a check is due, or `stop` is set.

        With IDLE: never longer than noop_seconds (well under the 10 minutes after
        which servers drop an idle client); each cycle ends with a NOOP, which on a
        dead socket times out and raises ConnectionLost, so a dead connection is
        noticed within noop_seconds + timeout_seconds. Without IDLE: a NOOP every
        poll_seconds.
        """
        if self.grew:
            self.grew = False
            return True
        if not self.has_idle:
            self._sleep(self.settings.poll_seconds, stop)
            self.noop()
            return True
        client = self._client()
        limit = min(self.settings.noop_seconds, self.settings.idle_renew_seconds)
        deadline = time.monotonic() + limit
        with _translated(self.where):
            # Dovecot only reports, during IDLE, what arrives once IDLE is set up: mail
            # that came between our SEARCH and that moment would wait for the next NOOP.
            # So: NOOP, a short IDLE, NOOP again (by then the first IDLE was surely set
            # up), and only then the long IDLE.
            for idle_until in (min(deadline, time.monotonic() + _SETTLE_SECONDS), deadline):
                if _announces_new_mail(client.noop()[1]):
                    return True
                if self._idle(client, idle_until, stop):
                    return True
                if stop.is_set():
                    return False
            client.noop()
        return False

    def _pending_exists(self) -> bool:
        """Take the EXISTS announcements imaplib kept from the last command's responses."""
        client = self.client
        if client is None:
            return False
        return bool(client._imap.untagged_responses.pop("EXISTS", None))

    @staticmethod
    def _idle(client: IMAPClient, until: float, stop: threading.Event) -> bool:
        client.idle()
        news = False
        try:
            while not news and not stop.is_set() and time.monotonic() < until:
                news = bool(client.idle_check(timeout=min(1.0, max(0.05, until - time.monotonic()))))
        finally:
            # What arrived while we were ending IDLE comes back here, not from idle_check.
            _text, late = client.idle_done()
        return news or _announces_new_mail(late)

    def noop(self) -> None:
        with _translated(self.where):
            self._client().noop()

    @staticmethod
    def _sleep(seconds: float, stop: threading.Event) -> None:
        stop.wait(seconds)


def _announces_new_mail(responses: list[Any]) -> bool:
    """An untagged EXISTS among a command's responses means the folder grew."""
    return any(isinstance(item, tuple) and len(item) > 1 and item[1] == b"EXISTS" for item in responses)
