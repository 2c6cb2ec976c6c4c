"""The scheduler's tick and `schedule preview`: read the book, plan, draft what is due.

A tick holds the `schedule` lease in the database (ticks table) while it runs,
so a second daemon on the same database skips the tick instead of doing the
same work; should two ever overlap (a lease that ran out), the drafts'
idempotency keys still let each item be written once. Nothing about the
schedule lives in the scheduler's memory: a daemon that was down computes from
the tables what it missed, and drafts each such item once.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from mailflow.config.schedule import ReminderLevel
from mailflow.config.settings import Settings
from mailflow.drafts.headers import UnsafeHeader
from mailflow.drafts.problems import DraftingProblems, DraftingRound
from mailflow.drafts.templates import TemplateProblem, Templates
from mailflow.schedule.hold_notices import HoldNotices
from mailflow.schedule.planner import Book, Due, plan
from mailflow.schedule.scheduled_drafts import (
    MailWriter,
    case_context,
    invoice_context,
    iso_week,
    news_for,
    reminder_extra,
    reminder_offset,
)
from mailflow.schedule.store import ScheduleStore
from mailflow.store.engine import Store

log = logging.getLogger(__name__)
audit = logging.getLogger("mailflow.audit")

TICK = "schedule"


@dataclass(frozen=True)
class TickReport:
    ran: bool  # False: another process held the lease
    drafted: int
    skipped: int  # items whose template or headers failed; they stay due
    complete: bool = True  # False: stopped or failed part-way; the next tick looks back as far again

    def __str__(self) -> str:
        if not self.ran:
            return "another process is running the schedule tick"
        text = f"{self.drafted} drafted" + (f", {self.skipped} skipped (see the log)" if self.skipped else "")
        return text if self.complete else text + "; stopped part-way, the rest at the next tick"


class Scheduler:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        templates: Templates | None = None,
        problems: DraftingProblems | None = None,
    ) -> None:
        self.settings = settings
        self.problems = problems or DraftingProblems()  # the daemon's: a cause is logged once while it lasts
        self.schedule = settings.schedule
        self.store = ScheduleStore(store)
        self.templates = templates or Templates(settings.replies.templates_dir)
        self.holds = HoldNotices(settings, store, self.templates)
        self.owner = f"{socket.gethostname()}:{os.getpid()}"

    def due(self, now: datetime, until: datetime) -> tuple[Book, list[Due]]:
        with _collector_paused():
            book = self.store.book(now, self.schedule.default_timezone)
            return book, plan(book, self.schedule, self.settings.replies.review, now, until)

    def preview(self, now: datetime, until: datetime) -> list[dict[str, Any]]:
        """What would be drafted from now until `until`, assuming no buyer answers; writes nothing."""
        book, items = self.due(now, until)
        levels = {level.offset_days: level for level in self.schedule.ladder}
        return [preview_dict(item, book, self._template(item, book), levels) for item in items]

    def _template(self, item: Due, book: Book) -> str:
        try:
            return self.templates.choose(
                item.kind, item.template or None, book.customers[item.customer_id].language
            )
        except TemplateProblem:
            return "(no template)"

    def tick(
        self,
        now: datetime | None = None,
        next_run: datetime | None = None,
        stop: threading.Event | None = None,
    ) -> TickReport:
        now = now or datetime.now(UTC)
        lease = timedelta(seconds=max(self.schedule.tick_seconds * 5, 300))
        if not self.store.claim_tick(TICK, self.owner, now, lease):
            return TickReport(False, 0, 0)
        started = time.monotonic()
        report = TickReport(True, 0, 0, complete=False)
        try:
            report = self.run(now, stop)
        finally:
            seconds = time.monotonic() - started
            # Only a whole tick moves "since the last tick": updates missed before it are caught up
            # only after it, so a tick cut short must leave its own to the next one.
            finished = now if report.complete else None
            self.store.finish_tick(TICK, self.owner, finished, seconds, str(report), next_run)
        return report

    def run(self, now: datetime, stop: threading.Event | None = None, chunk: int = 500) -> TickReport:
        """Draft everything due up to now plus the drafting lead (no lease: tick() holds it).

        Drafts are written `chunk` at a time, each chunk one transaction, and a set
        `stop` ends the run between chunks: a daemon told to stop does not wait for
        ten thousand updates. What was not drafted is still due at the next tick.
        """
        self.credit_holds(now)
        if not self.settings.mailboxes:
            return TickReport(True, 0, 0)
        with _collector_paused():
            book = self.store.book(now, self.schedule.default_timezone)
            if stop is not None and stop.is_set():  # reading a big book takes seconds: look again
                log.info("schedule: stopping before planning; all of it is left for the next tick")
                return TickReport(True, 0, 0, complete=False)
            until = now + timedelta(hours=self.schedule.draft_ahead_hours)
            items = plan(book, self.schedule, self.settings.replies.review, now, until)
        drafted = skipped = 0
        failures = self.problems.begin("schedule")
        for start in range(0, len(items), chunk):
            if stop is not None and stop.is_set():
                log.info("schedule: stopping; %d item(s) left for the next tick", len(items) - start)
                failures.finish(complete=False)
                return TickReport(True, drafted, skipped, complete=False)
            rows, failed = self.rows(items[start : start + chunk], now, failures)
            written = self.store.create_drafts(rows, now)
            for key in written:
                audit.info("scheduled draft %s", key)
            drafted, skipped = drafted + len(written), skipped + failed
        failures.finish()
        return TickReport(True, drafted, skipped)

    def credit_holds(self, now: datetime) -> None:
        """Holds start and end on the calendar too (an invoice turns 31 days overdue): every tick looks."""
        failures = self.problems.begin("credit holds", "no hold notice")
        try:
            self.holds.evaluate(now)
        except (TemplateProblem, UnsafeHeader) as exc:
            failures.failed("hold notices", exc)  # nothing changed: the next tick tries again
        failures.finish()

    def rows(
        self, items: list[Due], now: datetime, failures: DraftingRound
    ) -> tuple[list[dict[str, Any]], int]:
        """The drafts' rows; an item a template or header stops is counted in `failures` (its round)."""
        writer = MailWriter(self.settings, self.templates)
        customers = self.store.customers(item.customer_id for item in items)
        cases = self.store.cases(item.case_id for item in items if item.case_id is not None)
        invoices = self.store.invoices(item.invoice_id for item in items if item.invoice_id is not None)
        updated = [item.customer_id for item in items if item.kind == "update"]
        open_invoices = self.store.open_invoices(updated) if updated else {}
        open_cases = self.store.open_cases(updated) if updated else {}
        rows, skipped = [], 0
        for item in items:
            customer = dict(customers[item.customer_id])
            language = customer.pop("language") or "en"
            thread = None
            extra: dict[str, Any] = {}
            if item.case_id is not None:
                case, photos, thread = cases[item.case_id]
                language = thread.language if thread else language
                extra = {"case": case_context(case), "photos_attached": photos, "number": _number(item)}
            elif item.invoice_id is not None:
                extra = reminder_extra(invoices[item.invoice_id], item, language, now)
            else:
                assert item.slot is not None
                week = iso_week(item.slot)
                extra = {
                    "week": week,
                    "news": news_for(self.schedule.news_dir, week),
                    "invoices": [
                        invoice_context(i, language, now.date())
                        for i in open_invoices.get(item.customer_id, [])
                    ],
                    "cases": [case_context(c) for c in open_cases.get(item.customer_id, [])],
                }
            try:
                rows.append(writer.row(item, customer, language, extra, thread))
            except (TemplateProblem, UnsafeHeader) as exc:
                failures.failed(item.key, exc)
                skipped += 1
        return rows, skipped


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """A big book makes hundreds of thousands of small objects, none in a reference cycle; the
    cyclic garbage collector would only scan them again and again (a fifth of a preview's time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _number(item: Due) -> int:
    """A follow-up's number (followup:<case>:<n>); 0 for anything else."""
    return int(item.key.rpartition(":")[2]) if item.kind == "followup" else 0


def preview_dict(
    item: Due, book: Book, template: str, levels: dict[int, ReminderLevel] | None = None
) -> dict[str, Any]:
    """One item as `schedule preview` shows it; a reminder level that escalates names its `from`
    mailbox and its `cc`, so the operator sees who will sign before anything is drafted."""
    customer = book.customers[item.customer_id]
    found: dict[str, Any] = {
        "kind": item.kind,
        "customer": customer.email,
        "due_at": item.due_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "key": item.key,
        "template": template,
        "policy": item.policy,
    }
    if item.invoice_id is not None:
        found["invoice"] = item.key.removeprefix("reminder:").rpartition(":")[0]
        level = (levels or {}).get(reminder_offset(item))
        if level is not None and level.sender:
            found["from"] = level.sender
        if level is not None and level.cc:
            found["cc"] = list(level.cc)
    if item.case_id is not None:
        found["case"] = item.case_id
    return found
