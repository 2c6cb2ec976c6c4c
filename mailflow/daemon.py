"""The running daemon: one watcher thread per (mailbox, folder), IDLE, backoff, stop flag; a send loop.

Each watcher repeats one unit of work (sync the folder), then waits for news
with IDLE (or polls). Errors are handled at this boundary only: a wrong
password is logged as one line and retried slowly; a dead connection is
reconnected with exponential backoff. SIGTERM/SIGINT set the stop flag; a
batch in hand is finished and committed before the thread exits.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType
from typing import Protocol

from mailflow.config import MailboxSettings, Settings
from mailflow.drafting import draft_acknowledgements
from mailflow.errors import LoginFailed, MailflowError
from mailflow.health import Health
from mailflow.imap import ImapConnection
from mailflow.ingest import Ingest, SyncReport
from mailflow.outbox import Outbox
from mailflow.sender import Sender, describe
from mailflow.store import Store
from mailflow.templating import Templates

log = logging.getLogger(__name__)

ConnectionFactory = Callable[[MailboxSettings], ImapConnection]


@dataclass(frozen=True)
class WatchedFolder:
    mailbox: MailboxSettings
    folder: str
    sent: bool  # messages here were written by us


def discover_folders(connection: ImapConnection, mailbox: MailboxSettings) -> list[WatchedFolder]:
    """The configured folders plus the Sent folder, both found by SPECIAL-USE (已发送, Gesendet...).

    The Drafts folder holds the reps' unsent mail: never buyer mail, so it is
    left out even when configured, whatever it is called (草稿箱, Entwürfe...).
    """
    sent = connection.special_folder(b"\\Sent") if mailbox.imap.watch_sent else None
    drafts = connection.special_folder(b"\\Drafts")
    if drafts in mailbox.imap.folders:
        log.warning("%s: %s is the Drafts folder (unsent mail); not watching it", mailbox.name, drafts)
    watched = [name for name in mailbox.imap.folders if name != drafts]
    folders = [WatchedFolder(mailbox, name, sent=name == sent) for name in watched]
    if sent and sent not in mailbox.imap.folders:
        folders.append(WatchedFolder(mailbox, sent, sent=True))
    return folders


class Drafter:
    """Drafts what is due after new mail was recorded (thread-safe: the database arbitrates)."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.outbox = Outbox(store)
        self.templates = Templates(settings.replies.templates_dir)

    def run(self) -> int:
        return draft_acknowledgements(self.settings, self.outbox, self.templates, datetime.now(UTC))


def run_once(settings: Settings, store: Store, report: Callable[[str], None]) -> int:
    """Fetch and process everything new in every folder once, then draft what is due.

    Exit code: 0 ok, 1 a mailbox failed (the others are still processed).
    """
    ingest = Ingest(settings, store)
    failures = 0
    for mailbox in settings.mailboxes:
        connection = ImapConnection(mailbox, settings.fetch)
        try:
            connection.connect()
            for watched in discover_folders(connection, mailbox):
                result = ingest.sync_folder(connection, mailbox, watched.folder, watched.sent)
                report(_describe(mailbox.name, watched.folder, result))
        except MailflowError as exc:
            failures += 1
            report(f"error: {exc}")
        finally:
            connection.close()
    drafted = Drafter(settings, store).run()
    report(f"{drafted} acknowledgement(s) drafted")
    if settings.schedule.enabled:
        from mailflow.scheduling import Scheduler

        report(f"schedule: {Scheduler(settings, store).tick()}")
    report(f"outbox: {describe(Sender(settings, store).run_until_empty())}")
    return 1 if failures else 0


def _describe(mailbox: str, folder: str, result: SyncReport) -> str:
    return (
        f"{mailbox}/{folder}: {result.fetched} fetched, {result.recorded} logged, "
        f"{result.duplicates} already logged, {result.quarantined} quarantined"
    )


class FolderWatcher(threading.Thread):
    """Keeps one folder in sync for as long as the daemon runs."""

    def __init__(
        self,
        watched: WatchedFolder,
        settings: Settings,
        ingest: Ingest,
        stop: threading.Event,
        drafter: Drafter,
        health: Health,
    ) -> None:
        super().__init__(name=f"watch-{watched.mailbox.name}-{watched.folder}", daemon=True)
        self.watched, self.settings, self.ingest = watched, settings, ingest
        self.stop_flag = stop
        self.drafter = drafter
        self.health = health

    def run(self) -> None:
        backoff = 1.0
        while not self.stop_flag.is_set():
            connection = ImapConnection(self.watched.mailbox, self.settings.fetch)
            try:
                connection.connect()
                backoff = 1.0
                self._watch(connection)
            except LoginFailed as exc:
                self.health.fetch_failed(self.watched.mailbox.name, str(exc))
                # Retrying a refused password at once only gets the account locked.
                log.error("%s; retrying in %.0f s", exc, self.settings.fetch.max_backoff_seconds)
                self.stop_flag.wait(self.settings.fetch.max_backoff_seconds)
            except MailflowError as exc:
                self.health.fetch_failed(self.watched.mailbox.name, str(exc))
                log.warning("%s; reconnecting in %.0f s", exc, backoff)
                self.stop_flag.wait(backoff)
                backoff = min(backoff * 2, self.settings.fetch.max_backoff_seconds)
            except Exception:
                log.exception("%s: unexpected error; reconnecting in %.0f s", self.name, backoff)
                self.stop_flag.wait(backoff)
                backoff = min(backoff * 2, self.settings.fetch.max_backoff_seconds)
            finally:
                connection.close()

    def _watch(self, connection: ImapConnection) -> None:
        watched = self.watched
        while not self.stop_flag.is_set():
            result = self.ingest.sync_folder(
                connection, watched.mailbox, watched.folder, watched.sent, self.stop_flag
            )
            self.health.fetch_ok(
                watched.mailbox.name, result.fetched, result.quarantined, result.tags.items()
            )
            if result.fetched:
                log.info(_describe(watched.mailbox.name, watched.folder, result))
                self.drafter.run()
            if self.stop_flag.is_set():
                return
            connection.wait_for_news(self.stop_flag)


class SendLoop(threading.Thread):
    """Sends approved drafts every send.interval_seconds; a batch in hand is finished on stop."""

    def __init__(self, settings: Settings, store: Store, stop: threading.Event, health: Health) -> None:
        super().__init__(name="send", daemon=True)
        self.sender = Sender(settings, store, stop)
        self.health = health
        self.interval = settings.send.interval_seconds
        self.stop_flag = stop

    def run(self) -> None:
        while not self.stop_flag.is_set():
            try:
                report = self.sender.run_until_empty()
                self.health.sent(report)
                if report:
                    log.info("outbox: %s", describe(report))
            except MailflowError as exc:
                log.warning("outbox: %s; trying again in %.0f s", exc, self.interval)
            except Exception:
                # The database may be down for a while; drafts wait in it, nothing is lost.
                log.exception("outbox: unexpected error; trying again in %.0f s", self.interval)
            self.stop_flag.wait(self.interval)


class _Joinable(Protocol):
    def join(self, timeout: float | None = None) -> None: ...

    def is_alive(self) -> bool: ...


class Daemon:
    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.stop_flag = threading.Event()
        self.watchers: list[_Joinable] = []
        self.health = Health(settings, Outbox(store).counts)

    def install_signal_handlers(self) -> None:
        def _stop(signum: int, _frame: FrameType | None) -> None:
            log.info("signal %s: finishing the work in hand, then stopping", signum)
            self.stop_flag.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)

    def start(self) -> None:
        ingest = Ingest(self.settings, self.store)
        drafter = Drafter(self.settings, self.store)
        for mailbox in self.settings.mailboxes:
            for watched in self._folders(mailbox):
                watcher = FolderWatcher(watched, self.settings, ingest, self.stop_flag, drafter, self.health)
                watcher.start()
                self.watchers.append(watcher)
        sender = SendLoop(self.settings, self.store, self.stop_flag, self.health)
        sender.start()
        self.watchers.append(sender)
        if self.settings.schedule.enabled:
            from mailflow.ticks import ScheduleTicks

            ticks = ScheduleTicks(self.settings, self.store, self.health, self.stop_flag)
            ticks.start()
            self.watchers.append(ticks)
        if self.settings.health.enabled:
            from mailflow.web.server import HealthServer

            health_server = HealthServer(self.settings, self.health, self.stop_flag)
            health_server.start()
            self.watchers.append(health_server)
        if self.settings.web.enabled:
            from mailflow.web.server import PageServer

            page = PageServer(self.settings, self.store, self.stop_flag)
            page.start()
            self.watchers.append(page)

    def _folders(self, mailbox: MailboxSettings) -> list[WatchedFolder]:
        connection = ImapConnection(mailbox, self.settings.fetch)
        try:
            connection.connect()
            return discover_folders(connection, mailbox)
        except MailflowError as exc:
            # Watch what we can name; a watcher keeps retrying the connection itself.
            log.error("%s; watching the configured folders only", exc)
            return [WatchedFolder(mailbox, name, sent=False) for name in mailbox.imap.folders]
        finally:
            connection.close()

    def run_until_stopped(self, timeout_seconds: float = 10.0) -> None:
        self.start()
        while not self.stop_flag.wait(0.5):
            pass
        deadline = time.monotonic() + timeout_seconds
        for watcher in self.watchers:
            watcher.join(max(0.0, deadline - time.monotonic()))

    def stop(self) -> None:
        self.stop_flag.set()
