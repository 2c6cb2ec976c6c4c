"""The daemon's clock: APScheduler 3 fires the schedule tick; everything it decides is in the tables.

The job store is APScheduler's in-memory one: no pickled job survives a
deploy to break it. What is due is computed from the database at every tick
(schedule/tick.py), so a restart, a changed interval or a second daemon loses
nothing and doubles nothing. Misfires coalesce into one run.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import SQLAlchemyError

from mailflow.config.settings import Settings
from mailflow.errors import MailflowError, database_reason
from mailflow.ops.digest import WeeklyDigest
from mailflow.ops.health import Health
from mailflow.schedule.tick import TICK, Scheduler
from mailflow.store.engine import Store

log = logging.getLogger(__name__)


class ScheduleTicks:
    """Starts with the daemon, stops with it; join() waits for a tick in progress."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        health: Health | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.scheduler = Scheduler(settings, store, problems=health.drafting if health else None)
        self.digest = WeeklyDigest(settings, store, self.scheduler.templates)
        self.health = health
        self.stop_flag = stop  # the daemon's: a tick in progress ends between chunks of drafts
        self.clock = BackgroundScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
        )
        self.clock.add_job(
            self.tick,
            IntervalTrigger(seconds=settings.schedule.tick_seconds, timezone=UTC),
            id=TICK,
            name="draft the follow-ups, updates and reminders that are due",
            next_run_time=datetime.now(UTC),  # catch up at once after downtime
        )
        self.every = timedelta(seconds=settings.schedule.tick_seconds)
        self.stopped = threading.Event()
        self.idle = threading.Event()  # no tick running
        self.idle.set()
        # A tick fired just before join() must not start after join() found no tick running:
        # the daemon would close the database under it.
        self.starting = threading.Lock()

    def start(self) -> None:
        self.clock.start()

    def tick(self) -> None:
        # Not clock.get_job(): during shutdown APScheduler holds its job store lock while it
        # waits for running jobs, and a tick asking for it then would never finish.
        with self.starting:
            if self.stopped.is_set() or (self.stop_flag is not None and self.stop_flag.is_set()):
                return
            self.idle.clear()
        started = time.monotonic()
        now = datetime.now(UTC)
        try:
            report = self.scheduler.tick(now, now + self.every, self.stop_flag)
            if report.ran:  # the tick's lease holder: one daemon reads the week's figures
                self.digest.run(now, self.scheduler.problems)
            if self.health is not None and report.ran:
                self.health.ticks.labels(TICK).observe(time.monotonic() - started)
        except MailflowError as exc:
            log.warning("schedule: %s; trying again at the next tick", exc)
            return
        except SQLAlchemyError as exc:
            # The database is down for a while: the next tick computes everything again.
            log.warning("schedule: database error (%s); trying again at the next tick", database_reason(exc))
            return
        except Exception:
            log.exception("schedule: unexpected error; trying again at the next tick")
            return
        finally:
            self.idle.set()
        if report.drafted or report.skipped or not report.ran:
            log.info("schedule: %s", report)

    def join(self, timeout: float | None = None) -> None:
        """Stop firing; wait up to `timeout` for a tick in progress (it stops between chunks)."""
        with self.starting:
            first = not self.stopped.is_set()
            self.stopped.set()
        if first and self.clock.running:
            self.clock.shutdown(wait=False)
        self.idle.wait(timeout)

    def is_alive(self) -> bool:
        """Like a thread's: the daemon's watchers are all asked this after a stop."""
        return not self.stopped.is_set() or not self.idle.is_set()
