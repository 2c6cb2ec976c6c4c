"""`mailflow schedule preview/run` and `mailflow jobs list`."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from mailflow.cli.output import command_group, duration, print_rows, with_json
from mailflow.errors import MailflowError

if TYPE_CHECKING:
    from mailflow.config.settings import Settings
    from mailflow.store.engine import Store

PREVIEW_COLUMNS = ("due_at", "kind", "customer", "template", "key")
JOB_COLUMNS = ("name", "every", "next_run", "last_started", "last_seconds", "last_result", "owner")


def add_parsers(commands: Any) -> None:
    schedule = command_group(
        commands, "schedule", "follow-ups, updates and reminders that are due", with_store=schedule_command
    )
    preview = schedule.add_parser("preview", help="what would be drafted until DATE; writes nothing")
    preview.add_argument("--until", required=True, help="YYYY-MM-DD (the end of that day, UTC) or ISO 8601")
    with_json(preview)
    schedule.add_parser("run", help="draft what is due now, once (the daemon does this every tick)")
    jobs = command_group(commands, "jobs", "the daemon's scheduled ticks", with_store=jobs_command)
    with_json(jobs.add_parser("list", help="each tick, its last run and its next run"))


def schedule_command(args: argparse.Namespace, settings: Settings, store: Store) -> int:
    from mailflow.schedule.tick import Scheduler

    scheduler = Scheduler(settings, store)
    now = datetime.now(UTC)
    if args.action == "run":
        print(f"schedule: {scheduler.tick(now)}")
        return 0
    until = _until(args.until)
    if until < now:
        raise MailflowError(f"--until {args.until} is in the past")
    return print_rows(scheduler.preview(now, until), args.json, PREVIEW_COLUMNS)


def jobs_command(args: argparse.Namespace, settings: Settings, store: Store) -> int:
    """The ticks the daemon runs, with what the last run (of any daemon on this database) recorded."""
    from mailflow.schedule.store import ScheduleStore
    from mailflow.schedule.tick import TICK

    recorded = {tick["name"]: tick for tick in ScheduleStore(store).ticks()}
    never = dict.fromkeys(("next_run", "last_started", "last_seconds", "last_result", "owner"))
    schedule = {**never, **recorded.get(TICK, {})}
    schedule.pop("running", None)
    jobs = [
        {
            "name": TICK,
            "every": f"{settings.schedule.tick_seconds:g} s" if settings.schedule.enabled else "disabled",
        }
        | schedule,
        {"name": "send", "every": f"{settings.send.interval_seconds:g} s"}
        | never
        | {"last_result": "runs in the daemon's send loop"},
    ]
    if args.json:
        print(json.dumps(jobs, indent=2, ensure_ascii=False))
        return 0
    for job in jobs:  # seconds as a float for scripts, "0.25 s" for people
        job["last_seconds"] = duration(job["last_seconds"])
    return print_rows(jobs, False, JOB_COLUMNS)


def _until(text: str) -> datetime:
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time.max, tzinfo=UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise MailflowError(f"--until {text!r}: give a date (YYYY-MM-DD) or an ISO 8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
