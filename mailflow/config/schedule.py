"""The [schedule] part of settings.toml: follow-ups, satisfaction checks, updates, the reminder ladder."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from pathlib import Path

from mailflow.config.addresses import address_list
from mailflow.config.digest import DigestSettings, digest_settings
from mailflow.config.mailbox import MailboxSettings
from mailflow.config.paths import beside
from mailflow.config.table import Table, clock, non_negative, positive, positive_number, weekday
from mailflow.errors import ConfigError
from mailflow.ledger.business_hours import Hours, known_timezone

CADENCES = ("weekly", "fortnightly", "monthly")
CLASSES = ("A", "B", "C")


@dataclass(frozen=True)
class ReminderLevel:
    offset_days: int  # from the due date: -7 is a week before it
    template: str  # the template's category: reminder.<template>.<lang>
    policy: str  # required | auto
    # Escalation: the mailbox (identity) this level goes from ("" = schedule.mailbox), and who is copied.
    sender: str = ""
    cc: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScheduleSettings:
    enabled: bool
    tick_seconds: float
    draft_ahead_hours: float  # a scheduled draft is written this long before it may go out, for review
    hours: Hours  # the customer's local business hours
    send_at: time  # the local time of day reminders and checks are due (then held to business hours)
    default_timezone: str  # for customers whose list gives none
    max_per_week: int  # automatic messages per customer per 7 days
    mailbox: str  # scheduled mail goes from this mailbox; "" = the first with SMTP settings
    followup_after_business_days: int
    followup_max: int
    satisfaction_after_days: int
    updates: bool  # customer updates at all
    update_weekday: int  # 0 = Monday
    update_at: time
    cadence: dict[str, str]  # class -> weekly | fortnightly | monthly
    news_dir: Path
    ladder: tuple[ReminderLevel, ...]
    # An invoice import holds new invoices whose buyers wrote about paying in these last days (0: none).
    hold_from_messages_days: int = 14
    # A "before due" level arrives this many business days before the buyer's payment run
    # (customers.payment_days; ledger/payment_runs). Without payment days nothing moves.
    payment_run_lead_business_days: int = 2
    digest: DigestSettings = field(
        default_factory=DigestSettings
    )  # the manager's weekly digest (off by default)


DEFAULT_LADDER = (
    ReminderLevel(-7, "upcoming", "required"),
    ReminderLevel(0, "due", "required"),
    ReminderLevel(7, "overdue", "required"),
    ReminderLevel(14, "firm", "required"),
    ReminderLevel(30, "final", "required"),
)


def schedule_settings(root: Table, base: Path) -> ScheduleSettings:
    table = root.table("schedule") or Table({}, "schedule")
    followup = table.table("followup") or Table({}, "schedule.followup")
    updates = table.table("updates") or Table({}, "schedule.updates")
    zone = table.get("default_timezone", str, "UTC")
    if not known_timezone(zone):
        raise ConfigError(f"schedule.default_timezone: unknown time zone {zone!r}")
    settings = ScheduleSettings(
        enabled=table.get("enabled", bool, True),
        tick_seconds=positive_number(table, "tick_seconds", 60.0),
        draft_ahead_hours=table.get("draft_ahead_hours", float, 12.0),
        hours=Hours(
            clock(table, "business_hours_start", "09:00"), clock(table, "business_hours_end", "17:00")
        ),
        send_at=clock(table, "send_at", "10:00"),
        default_timezone=zone,
        max_per_week=positive(table, "max_automatic_per_week", 2),
        mailbox=table.get("mailbox", str, ""),
        followup_after_business_days=positive(followup, "after_business_days", 3),
        followup_max=non_negative(followup, "max", 2),
        satisfaction_after_days=non_negative(table, "satisfaction_after_days", 7),
        updates=updates.get("enabled", bool, True),
        update_weekday=weekday(updates, "weekday", "tuesday"),
        update_at=clock(updates, "at", "10:00"),
        cadence=_cadence(updates),
        # Relative to settings.toml (`base`, its folder, absolute), whatever folder mailflow runs in.
        news_dir=beside(base, updates.get("news_dir", str, "news")),
        ladder=_ladder(table),
        hold_from_messages_days=non_negative(table, "hold_from_messages_days", 14),
        payment_run_lead_business_days=non_negative(table, "payment_run_lead_business_days", 2),
        digest=digest_settings(table.table("digest"), zone),
    )
    if settings.hours.start >= settings.hours.end:
        raise ConfigError("schedule.business_hours_start must be before schedule.business_hours_end")
    if settings.draft_ahead_hours < 0:
        raise ConfigError("schedule.draft_ahead_hours must be 0 or more")
    followup.done()
    updates.done()
    table.done()
    return settings


def _cadence(table: Table) -> dict[str, str]:
    given = table.table("cadence") or Table({}, "schedule.updates.cadence")
    cadence = {}
    for klass, default in zip(CLASSES, CADENCES, strict=True):
        cadence[klass] = given.get(klass, str, default)
        if cadence[klass] not in CADENCES:
            raise ConfigError(f"schedule.updates.cadence.{klass} must be one of {', '.join(CADENCES)}")
    given.done()
    return cadence


def _ladder(table: Table) -> tuple[ReminderLevel, ...]:
    levels = table.tables("reminder")
    if not levels:
        return DEFAULT_LADDER
    ladder = []
    for level in levels:
        policy = level.get("policy", str, "required")
        if policy not in ("required", "auto"):
            raise ConfigError(f"{level.key('policy')} must be required or auto")
        ladder.append(
            ReminderLevel(
                level.get("offset_days", int),
                level.get("template", str),
                policy,
                sender=level.get("from", str, ""),
                cc=address_list(level, "cc"),
            )
        )
        level.done()
    offsets = [level.offset_days for level in ladder]
    if offsets != sorted(set(offsets)):
        raise ConfigError("schedule.reminder: offset_days must rise from level to level, none twice")
    return tuple(ladder)


def check_reminder_senders(schedule: ScheduleSettings, mailboxes: tuple[MailboxSettings, ...]) -> None:
    """A level's `from` names a configured mailbox that can send: its SMTP account sends as its
    address, its Sent folder gets the copy, and its watched inbox gets the buyer's answer."""
    sending = {box.name: box.smtp is not None for box in mailboxes}
    for index, level in enumerate(schedule.ladder):
        key = f"schedule.reminder[{index}].from"
        if not level.sender:
            continue
        if level.sender not in sending:
            names = ", ".join(sorted(sending)) or "none"
            raise ConfigError(f"{key}: no mailbox is named {level.sender!r} (mailboxes: {names})")
        if not sending[level.sender]:
            raise ConfigError(f"{key}: mailbox {level.sender!r} has no [mailbox.smtp]; nothing could send it")
