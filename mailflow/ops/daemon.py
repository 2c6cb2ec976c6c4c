"""The running daemon: the lease keeper (and its mailbox watchers), the send loop, the ticks, the pages.

`run_until_stopped` starts them all in one process. SIGTERM/SIGINT set the
stop flag: every part finishes the work in hand (a batch of messages, an SMTP
batch, a chunk of scheduled drafts), commits, and the process exits within
the stop timeout. Several daemons may share one database (see ops/watching.py).
`run_once` is the one-shot form (`mailflow run --once`): every mailbox, no leases.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from types import FrameType
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError

from mailflow.config.settings import Settings
from mailflow.drafts.problems import DraftingProblems
from mailflow.drafts.store import Outbox
from mailflow.errors import MailflowError, database_reason
from mailflow.inbound.ingest import Ingest
from mailflow.mailservers.imap import ImapConnection
from mailflow.ops.digest import WeeklyDigest
from mailflow.ops.health import Health
from mailflow.ops.ticks import ScheduleTicks
from mailflow.ops.watching import Drafter, LeaseKeeper, describe_sync, discover_folders
from mailflow.outbound.sender import Sender, describe
from mailflow.schedule.tick import Scheduler
from mailflow.store.engine import Store

__all__ = ["DRAFTING_FAILED", "Daemon", "Drafter", "SendLoop", "run_once"]

log = logging.getLogger(__name__)


# `run --once`'s exit status when every mailbox was read but a template or header stopped a draft.
DRAFTING_FAILED = 3


def run_once(settings: Settings, store: Store, report: Callable[[str], None]) -> int:
    """Fetch and process everything new in every folder once, then draft what is due, then send.

    Exit code: 0 ok; 1 a mailbox failed (the others are still processed); otherwise
    DRAFTING_FAILED (3) when a draft could not be written, one line per cause. What
    was not drafted stays due: a run after the template is fixed drafts it.
    """
    problems = DraftingProblems(logged=False)  # reported below, once, as the run's last lines
    ingest = Ingest(settings, store)
    failures = 0
    for mailbox in settings.mailboxes:
        connection = ImapConnection(mailbox, settings.fetch)
        try:
            connection.connect()
            for watched in discover_folders(connection, mailbox):
                result = ingest.sync_folder(connection, mailbox, watched.folder, watched.sent)
                report(describe_sync(mailbox.name, watched.folder, result))
        except MailflowError as exc:
            failures += 1
            report(f"error: {exc}")
        finally:
            connection.close()
    drafter = Drafter(settings, store, problems)
    drafted = drafter.run()
    if drafter.notified:
        report(f"{drafter.notified} internal notice(s) drafted")
    report(f"{drafted} acknowledgement(s) drafted")
    if settings.schedule.enabled:
        scheduler = Scheduler(settings, store, problems=problems)
        report(f"schedule: {scheduler.tick()}")
        # The scheduler's templates: the digest's own would scan the folder and build Jinja again.
        if WeeklyDigest(settings, store, scheduler.templates).run(datetime.now(UTC), problems):
            report("the weekly digest drafted")
    report(f"outbox: {describe(Sender(settings, store).run_until_empty())}")
    drafting = problems.current()
    for problem in drafting:
        report(f"error: drafting: {problem}")
    if failures:
        return 1
    return DRAFTING_FAILED if drafting else 0


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
            except SQLAlchemyError as exc:
                # The database is down for a while: drafts wait in it, nothing is lost.
                log.warning(
                    "outbox: database error (%s); trying again in %.0f s", database_reason(exc), self.interval
                )
            except Exception:
                log.exception("outbox: unexpected error; trying again in %.0f s", self.interval)
            self.stop_flag.wait(self.interval)


class _Joinable(Protocol):
    def join(self, timeout: float | None = None) -> None: ...

    def is_alive(self) -> bool: ...


class Daemon:
    def __init__(self, settings: Settings, store: Store, worker: str | None = None) -> None:
        self.settings = settings
        self.worker = worker  # its name among the daemons sharing the database; host:pid:random by default
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
        self.keeper = LeaseKeeper(self.settings, self.store, self.health, self.stop_flag, self.worker)
        self.keeper.start()
        self.watchers.append(self.keeper)
        sender = SendLoop(self.settings, self.store, self.stop_flag, self.health)
        sender.start()
        self.watchers.append(sender)
        if self.settings.schedule.enabled:
            ticks = ScheduleTicks(self.settings, self.store, self.health, self.stop_flag)
            ticks.start()
            self.watchers.append(ticks)
        for served in self._http_servers():
            served.start()
            self.watchers.append(served)

    def _http_servers(self) -> Iterator[threading.Thread]:
        """The review page and /healthz, where settings enable them, each made as it is started.

        Imported only then: Flask, waitress and the page add 9 MB and 0.05 s to the
        process (measured with VmHWM and -X importtime), which `run --once` and a
        daemon without [web] or [health] would carry for nothing.
        """
        if not (self.settings.health.enabled or self.settings.web.enabled):
            return
        from mailflow.ops.http import HealthServer, PageServer  # noqa: PLC0415 - see the docstring

        if self.settings.health.enabled:
            yield HealthServer(self.settings, self.health, self.stop_flag)
        if self.settings.web.enabled:
            yield PageServer(self.settings, self.store, self.stop_flag)

    def run_until_stopped(self, timeout_seconds: float = 10.0) -> None:
        self.start()
        while not self.stop_flag.wait(0.5):
            pass
        deadline = time.monotonic() + timeout_seconds
        for watcher in self.watchers:
            watcher.join(max(0.0, deadline - time.monotonic()))

    def stop(self) -> None:
        self.stop_flag.set()
