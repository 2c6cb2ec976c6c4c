"""Watching mailboxes: one thread per leased mailbox, one per folder in it, and the lease keeper.

The keeper beats this daemon's heartbeat and renews its mailbox leases every
third of `fetch.lease_seconds`, takes free mailboxes up to its fair share,
gives back what is over it (after that mailbox's watchers finished the batch
in hand), and stops watching a mailbox whose lease another daemon took over.
Each folder watcher repeats one unit of work (sync the folder), then waits for
news with IDLE (or polls). Errors are handled at this boundary only: a wrong
password is logged as one line and retried slowly; a dead connection is
reconnected with exponential backoff. An operator sees each trouble begin and
end: a refused login once at ERROR per mailbox (its retries only at DEBUG), a
lost connection at WARNING, and "<mailbox>/<folder>: reconnected after N s"
when the folder is watched again.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from mailflow.config.settings import MailboxSettings, Settings
from mailflow.drafts.acknowledgements import draft_acknowledgements
from mailflow.drafts.internal import draft_internal_notices
from mailflow.drafts.internal_store import InternalOutbox
from mailflow.drafts.problems import DraftingProblems
from mailflow.drafts.templates import Templates
from mailflow.errors import LoginFailed, MailflowError, database_reason
from mailflow.inbound.ingest import Ingest, SyncReport
from mailflow.mailservers.imap import ImapConnection
from mailflow.ops.health import Health
from mailflow.ops.leases import Leases, fair_share, new_worker_id
from mailflow.store.engine import Store

log = logging.getLogger(__name__)


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

    def __init__(self, settings: Settings, store: Store, problems: DraftingProblems | None = None) -> None:
        self.settings = settings
        self.outbox = InternalOutbox(store)
        self.templates = Templates(settings.replies.templates_dir)
        self.problems = problems or DraftingProblems()
        self.notified = 0  # internal notices the last run drafted

    def run(self) -> int:
        """The acknowledgements drafted. Internal notices go first: an acknowledgement may mention them."""
        now = datetime.now(UTC)
        self.notified = draft_internal_notices(self.settings, self.outbox, self.templates, now, self.problems)
        return draft_acknowledgements(self.settings, self.outbox, self.templates, now, self.problems)


def describe_sync(mailbox: str, folder: str, result: SyncReport) -> str:
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
        refused: threading.Event | None = None,
    ) -> None:
        super().__init__(name=f"watch-{watched.mailbox.name}-{watched.folder}", daemon=True)
        self.watched, self.settings, self.ingest = watched, settings, ingest
        self.stop_flag = stop
        self.drafter = drafter
        self.health = health
        # Set once the mailbox's refused login is logged: shared by its watchers, cleared by a login.
        self.refused = refused or threading.Event()

    def run(self) -> None:
        backoff = 1.0
        lost_at: float | None = None  # when the connection went (monotonic), until it is back
        while not self.stop_flag.is_set():
            connection = ImapConnection(self.watched.mailbox, self.settings.fetch)
            try:
                connection.connect()
                backoff = 1.0
                self.refused.clear()
                if lost_at is not None:
                    where = f"{self.watched.mailbox.name}/{self.watched.folder}"
                    log.info("%s: reconnected after %.0f s", where, time.monotonic() - lost_at)
                    lost_at = None
                self._watch(connection)
            except LoginFailed as exc:
                self.health.fetch_failed(self.watched.mailbox.name, str(exc))
                lost_at = lost_at or time.monotonic()
                # Retrying a refused password at once only gets the account locked; saying so at every
                # retry would bury the one line that matters (and /healthz keeps saying it).
                wait = self.settings.fetch.max_backoff_seconds
                if self.refused.is_set():
                    log.debug("%s; retrying in %.0f s", exc, wait)
                else:
                    self.refused.set()
                    log.error("%s; retrying every %.0f s", exc, wait)
                self.stop_flag.wait(wait)
            except MailflowError as exc:
                self.health.fetch_failed(self.watched.mailbox.name, str(exc))
                lost_at = lost_at or time.monotonic()
                log.warning("%s; reconnecting in %.0f s", exc, backoff)
                self.stop_flag.wait(backoff)
                backoff = min(backoff * 2, self.settings.fetch.max_backoff_seconds)
            except SQLAlchemyError as exc:
                # The database is down: the checkpoint did not move, the batch is fetched again later.
                reason = f"database error: {database_reason(exc)}"
                self.health.fetch_failed(self.watched.mailbox.name, reason)
                log.warning("%s: %s; trying again in %.0f s", self.name, reason, backoff)
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
                log.info(describe_sync(watched.mailbox.name, watched.folder, result))
                self.drafter.run()
            if self.stop_flag.is_set():
                return
            connection.wait_for_news(self.stop_flag)


class MailboxRunner(threading.Thread):
    """Watches one leased mailbox: finds its folders, then runs a watcher per folder until stopped."""

    def __init__(
        self, mailbox: MailboxSettings, settings: Settings, ingest: Ingest, drafter: Drafter, health: Health
    ) -> None:
        super().__init__(name=f"mailbox-{mailbox.name}", daemon=True)
        self.mailbox, self.settings, self.ingest = mailbox, settings, ingest
        self.drafter, self.health = drafter, health
        self.stop_flag = threading.Event()  # this mailbox only: set on a stop, a hand-over or a lost lease
        self.refused = threading.Event()  # its refused login is logged (see FolderWatcher)

    def run(self) -> None:
        self.health.watch(self.mailbox.name)
        try:
            shared = (self.settings, self.ingest, self.stop_flag, self.drafter, self.health, self.refused)
            watchers = [FolderWatcher(watched, *shared) for watched in self._folders()]
            for watcher in watchers:
                watcher.start()
            for watcher in watchers:
                watcher.join()
        finally:
            self.health.unwatch(self.mailbox.name)

    def _folders(self) -> list[WatchedFolder]:
        connection = ImapConnection(self.mailbox, self.settings.fetch)
        try:
            connection.connect()
            return discover_folders(connection, self.mailbox)
        except LoginFailed as exc:
            self.refused.set()  # the watchers retry it, quietly: this is its one line
            log.error("%s; retrying every %.0f s", exc, self.settings.fetch.max_backoff_seconds)
            return [WatchedFolder(self.mailbox, name, sent=False) for name in self.mailbox.imap.folders]
        except MailflowError as exc:
            # Watch what we can name; a watcher keeps retrying the connection itself.
            log.error("%s; watching the configured folders only", exc)
            return [WatchedFolder(self.mailbox, name, sent=False) for name in self.mailbox.imap.folders]
        finally:
            connection.close()


class LeaseKeeper(threading.Thread):
    """This daemon's share of the mailboxes, kept by leases in the database (see ops/leases.py)."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        health: Health,
        stop: threading.Event,
        worker: str | None = None,
    ) -> None:
        super().__init__(name="leases", daemon=True)
        self.settings, self.health, self.stop_flag = settings, health, stop
        self.leases = Leases(
            store, worker or new_worker_id(), timedelta(seconds=settings.fetch.lease_seconds)
        )
        self.every = settings.fetch.lease_seconds / 3
        self.mailboxes = {box.name: box for box in settings.mailboxes}
        self.ingest = Ingest(settings, store)
        self.drafter = Drafter(settings, store, health.drafting)
        self.active: dict[str, MailboxRunner] = {}
        self.leaving: dict[str, MailboxRunner] = {}  # handed over: finishing the batch in hand

    @property
    def watching(self) -> list[str]:
        return sorted(self.active)

    def run(self) -> None:
        try:
            while not self.stop_flag.is_set():
                try:
                    self._beat(datetime.now(UTC))
                    self.health.beat()
                except SQLAlchemyError as exc:
                    # The database is down: the watchers go on (their batches wait for it), leases are kept.
                    reason = database_reason(exc)
                    self.health.beat(f"database error: {reason}")
                    log.warning("leases: database error (%s); trying again in %.0f s", reason, self.every)
                self.stop_flag.wait(self.every)
        finally:
            self._stop_all()

    def _beat(self, now: datetime) -> None:
        live = self.leases.beat(now)
        held = self.leases.renew([*self.active, *self.leaving], now)
        for name in [name for name in self.active if name not in held]:
            log.warning("%s: another worker took this mailbox over; stopping here", name)
            self.active.pop(name).stop_flag.set()
        for name, runner in list(self.leaving.items()):
            if not runner.is_alive():
                self.leaving.pop(name)
                if name in held:
                    self.leases.release([name])
                    log.info("%s: handed over to another worker", name)
        for name, runner in list(self.active.items()):
            if not runner.is_alive():  # it died on something unexpected: watch it again
                self.active[name] = self._start(name)
        share = fair_share(len(self.mailboxes), live)
        for name in sorted(self.active)[share:]:
            self.leaving[name] = self.active.pop(name)
            self.leaving[name].stop_flag.set()
        wanted = set(self.mailboxes) - set(self.active) - set(self.leaving)
        for name in self.leases.take(wanted, share - len(self.active), now):
            log.info("%s: watching (lease taken; %d worker(s) alive)", name, live)
            self.active[name] = self._start(name)

    def _start(self, name: str) -> MailboxRunner:
        runner = MailboxRunner(self.mailboxes[name], self.settings, self.ingest, self.drafter, self.health)
        runner.start()
        return runner

    def _stop_all(self) -> None:
        runners = {**self.active, **self.leaving}
        for runner in runners.values():
            runner.stop_flag.set()
        for runner in runners.values():
            runner.join()  # the batch in hand is committed first; the daemon bounds the whole stop
        try:
            self.leases.release(list(runners))
            self.leases.leave()
        except SQLAlchemyError as exc:
            log.warning(
                "leases: not released (%s); they expire in %.0f s", database_reason(exc), self.every * 3
            )
