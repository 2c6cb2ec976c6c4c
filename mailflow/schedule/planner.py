"""What scheduled mail is due, and when: follow-ups, satisfaction checks, updates, reminders. Pure.

The input is a `Book`, a snapshot of the tables (the store reads it); the
output is a list of `Due` items, each with an idempotency key that the draft
will carry, so that drafting an item twice is impossible in the database.
The same function answers the daemon's tick (what is due up to now plus the
drafting lead) and `mailflow schedule preview` (what is due up to a date).

Catching up after downtime: every follow-up, check and reminder whose time
has passed and that was never drafted is due now. Two exceptions, because
they would be wrong rather than late: of an invoice's missed reminder levels
only the highest is drafted (a "due in 7 days" note is not sent when the
invoice is 30 days late), and of a customer's missed update slots only the
latest one, if it is younger than the cadence and fell after the previous tick
(a customer just added to the list starts with the next slot).

A customer's payment days move each "before due" reminder level (a negative offset) to
`payment_run_lead_business_days` before the payment run that precedes the due date, unless the
level's own day is earlier (ledger/payment_runs.py).

Every time is moved into the customer's business hours (ledger/business_hours.py). At most
`max_per_week` items per customer fall in any 7 days; at the same moment a
reminder goes first, then a follow-up, a satisfaction check, an update. An item
over the limit waits until the oldest one counted is 7 days old; an update
that waits past its next slot is dropped for it.
"""

from __future__ import annotations

import bisect
import functools
import heapq
import operator
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from mailflow.config.schedule import ScheduleSettings
from mailflow.inbound.case_states import CLOSED
from mailflow.ledger.business_hours import Hours, Place, add_business_days, local_moment, next_open, zone
from mailflow.ledger.payment_runs import before_due_day

WEEK = timedelta(days=7)
_ORDER = operator.attrgetter("due_at", "key")
PRIORITY = {"reminder": 0, "followup": 1, "satisfaction": 2, "update": 3}
_PERIOD = {
    "weekly": 7,
    "fortnightly": 14,
    "monthly": 31,
}  # days: how long a missed update stays worth sending
_EPOCH_MONDAY = date(2001, 1, 1)  # fortnights count from here, so they do not jump at a new year


class BookCustomer(NamedTuple):
    id: int
    email: str
    language: str
    place: Place
    klass: str  # A | B | C; "" = not on the reps' list, no updates
    opted_out: bool
    reachable: bool  # False: the address bounced, no automatic mail
    payment_days: tuple[int, ...] = ()  # their payment run days of the month: "before due" aims at the run


class BookInvoice(NamedTuple):
    id: int
    number: str
    customer_id: int
    due: date
    hold: str  # why its reminders wait ("" = they do not): the invoice's own hold or its company's
    highest_level: int | None  # the highest ladder offset drafted so far


@dataclass(frozen=True)
class BookCase:
    id: int
    customer_id: int
    status: str  # open | acknowledged | resolved
    last_out_at: datetime | None  # our latest message on the case that went out
    answered: bool  # the customer's company wrote after it
    followups: int  # follow-ups drafted so far
    followup_waiting: bool  # one is drafted and not yet sent
    followups_stopped: bool  # one was rejected or cancelled: no more
    resolved_at: datetime | None
    satisfaction_drafted: bool  # for this resolution: its satisfaction_key is taken
    reopenings: int = 0  # how often it was reopened (by the buyer's mail, a person or a retag)


@dataclass(frozen=True)
class Book:
    customers: dict[int, BookCustomer]
    invoices: tuple[BookInvoice, ...]
    cases: tuple[BookCase, ...]
    update_keys: frozenset[str]  # keys of recent update drafts
    # Customer -> when their scheduled drafts of the last weeks were due (the weekly limit).
    recent: dict[int, tuple[datetime, ...]] = field(default_factory=dict)
    last_tick: datetime | None = None  # when the previous tick ran: updates missed since then are caught up


class Due(NamedTuple):
    """One item to draft. A named tuple, not a dataclass: a preview makes hundreds of thousands."""

    kind: str  # followup | satisfaction | update | reminder
    customer_id: int
    due_at: datetime  # UTC, inside the customer's business hours
    key: str
    template: str  # the template's category: <kind>.<template>.<lang>
    policy: str  # required | auto
    invoice_id: int | None = None
    case_id: int | None = None
    slot: date | None = None  # an update's local date


def plan(
    book: Book, settings: ScheduleSettings, policies: dict[str, str], now: datetime, until: datetime
) -> list[Due]:
    """Every item due up to `until` that is not drafted yet, in time order, within the weekly limit."""
    items: list[Due] = []
    items += _followups(book, settings, policies, until)
    items += _satisfaction(book, settings, policies, until)
    items += _reminders(book, settings, now, until)
    if settings.updates:
        items += _updates(book, settings, policies, now, until)
    by_customer: dict[int, list[Due]] = {}
    for found in items:
        item = found
        if item.due_at < now:  # missed while we were down: due at the next moment it may go out
            place = book.customers[item.customer_id].place
            item = item._replace(due_at=next_open(now, place, settings.hours))
        by_customer.setdefault(item.customer_id, []).append(item)
    allowed: list[Due] = []
    for customer_id, wanted in by_customer.items():
        customer = book.customers[customer_id]
        allowed += _within_limit(wanted, book.recent.get(customer_id, ()), customer.place, settings, until)
    return sorted(allowed, key=_ORDER)


def _followups(
    book: Book, settings: ScheduleSettings, policies: dict[str, str], until: datetime
) -> Iterator[Due]:
    for case in book.cases:
        customer = book.customers[case.customer_id]
        if (
            case.status in CLOSED
            or case.last_out_at is None
            or case.answered
            or case.followup_waiting
            or case.followups_stopped
            or not customer.reachable
        ):
            continue
        at = case.last_out_at
        for number in range(case.followups + 1, settings.followup_max + 1):
            # The next one counts from the previous one, as if each went out when due.
            at = next_open(
                add_business_days(at, settings.followup_after_business_days, customer.place),
                customer.place,
                settings.hours,
            )
            if at > until:
                break
            yield Due(
                "followup",
                customer.id,
                at,
                f"followup:{case.id}:{number}",
                "",
                policies["followup"],
                case_id=case.id,
            )


def satisfaction_key(case_id: int, reopenings: int) -> str:
    """One satisfaction check per resolution: a case resolved again after a reopening is asked again.
    The first resolution's key stays `satisfaction:<case>`, the one drafts written before had."""
    return f"satisfaction:{case_id}" if reopenings == 0 else f"satisfaction:{case_id}:{reopenings}"


def _satisfaction(
    book: Book, settings: ScheduleSettings, policies: dict[str, str], until: datetime
) -> Iterator[Due]:
    for case in book.cases:
        customer = book.customers[case.customer_id]
        if (
            case.status != "resolved"
            or case.resolved_at is None
            or case.satisfaction_drafted
            or not customer.reachable
        ):
            continue
        day = case.resolved_at.astimezone(_tz(customer)).date() + timedelta(
            days=settings.satisfaction_after_days
        )
        at = next_open(local_moment(day, settings.send_at, customer.place), customer.place, settings.hours)
        if at <= until:
            yield Due(
                "satisfaction",
                customer.id,
                at,
                satisfaction_key(case.id, case.reopenings),
                "",
                policies["satisfaction"],
                case_id=case.id,
            )


def _reminders(book: Book, settings: ScheduleSettings, now: datetime, until: datetime) -> Iterator[Due]:
    # A level the next tick drafts anyway (it is due, or within the drafting lead) replaces a missed one.
    next_tick = now + timedelta(hours=settings.draft_ahead_hours)
    for invoice in book.invoices:
        customer = book.customers[invoice.customer_id]
        if invoice.hold or not customer.reachable:
            continue
        yield from _latest_missed_first(_levels(invoice, customer, settings, next_tick, until))


def _levels(
    invoice: BookInvoice,
    customer: BookCustomer,
    settings: ScheduleSettings,
    next_tick: datetime,
    until: datetime,
) -> Iterator[tuple[Due | None, bool]]:
    """(item, missed) per ladder level not yet drafted, up to `until`."""
    for level in settings.ladder:
        if invoice.highest_level is not None and level.offset_days <= invoice.highest_level:
            continue
        day = before_due_day(
            invoice.due, level.offset_days, customer.payment_days,
            settings.payment_run_lead_business_days, customer.place.country,
        )  # fmt: skip
        at = next_open(local_moment(day, settings.send_at, customer.place), customer.place, settings.hours)
        if at > until:
            return
        item = Due(
            "reminder", customer.id, at, f"reminder:{invoice.number}:{level.offset_days:+d}", level.template,
            level.policy, invoice_id=invoice.id,
        )  # fmt: skip
        yield item, at <= next_tick


def _updates(
    book: Book, settings: ScheduleSettings, policies: dict[str, str], now: datetime, until: datetime
) -> Iterator[Due]:
    policy = policies["update"]
    for customer in book.customers.values():
        if not customer.klass or customer.opted_out or not customer.reachable:
            continue
        cadence = settings.cadence[customer.klass]
        period = timedelta(days=_PERIOD[cadence])
        tz = _tz(customer)
        slots = _slots(
            customer.place, cadence, (now.astimezone(tz) - period).date(), until.astimezone(tz).date(),
            settings.update_weekday, settings.update_at, settings.hours,
        )  # fmt: skip
        yield from _latest_missed_first(_slot_items(book, customer, slots, policy, now, period, until))


def _slot_items(
    book: Book,
    customer: BookCustomer,
    slots: tuple[tuple[date, datetime], ...],
    policy: str,
    now: datetime,
    period: timedelta,
    until: datetime,
) -> Iterator[tuple[Due | None, bool]]:
    """(item, missed) per update slot up to `until`; (None, True) where a slot ends any earlier miss."""
    for day, at in slots:
        if at > until:
            return
        key = f"update:{customer.id}:{day.isoformat()}"
        if key in book.update_keys:
            yield None, True  # drafted: what was missed before it is superseded
            continue
        item = Due("update", customer.id, at, key, "", policy, slot=day)
        if at <= now:
            # Missed while no tick ran (downtime), and still fresh: worth sending late.
            caught = book.last_tick is not None and at > book.last_tick and at > now - period
            yield (item if caught else None), True
            continue
        yield item, False


def _latest_missed_first(items: Iterator[tuple[Due | None, bool]]) -> Iterator[Due]:
    """Items in time order, each (item, missed): of a run of missed ones only the latest is kept (None
    keeps none), and it comes before the first item that is not missed."""
    missed: Due | None = None
    for item, late in items:
        if late:
            missed = item
            continue
        if missed is not None:
            yield missed
            missed = None
        if item is not None:
            yield item
    if missed is not None:
        yield missed


@functools.lru_cache(maxsize=4096)
def _slots(
    place: Place, cadence: str, start: date, end: date, weekday: int, at: time, hours: Hours
) -> tuple[tuple[date, datetime], ...]:
    """The update slots from `start` to `end` for everyone at one place: (local day, moment in UTC)."""
    found = []
    day = start + timedelta(days=(weekday - start.weekday()) % 7)
    while day <= end:
        if _is_slot(day, cadence, weekday):
            found.append((day, next_open(local_moment(day, at, place), place, hours)))
        day += WEEK
    return tuple(found)


def _is_slot(day: date, cadence: str, weekday: int) -> bool:
    if day.weekday() != weekday:
        return False
    if cadence == "fortnightly":
        return (day - _EPOCH_MONDAY).days // 7 % 2 == 0
    if cadence == "monthly":
        return day.day <= 7  # the first such weekday of the month
    return True


def _within_limit(
    wanted: list[Due], recent: tuple[datetime, ...], place: Place, settings: ScheduleSettings, until: datetime
) -> list[Due]:
    """Accept items in time order while fewer than max_per_week fall in the 7 days before each.

    An update also leaves room for the reminders, follow-ups and checks due in the
    7 days after it: it is the one that waits, never them.
    """
    cap = settings.max_per_week
    if len(wanted) + len(recent) <= cap:
        return wanted  # nothing can ever be over the limit
    counted = sorted(recent)
    heap = [(item.due_at, PRIORITY[item.kind], item.key, item) for item in wanted]
    heapq.heapify(heap)
    accepted: list[Due] = []
    updates = sorted(item.due_at for item in wanted if item.kind == "update")
    pressing = sorted(item.due_at for item in wanted if item.kind != "update")
    right, left = bisect.bisect_right, bisect.bisect_left
    while heap:
        due_at, _, _, item = heapq.heappop(heap)
        first = right(counted, due_at - WEEK)
        window = right(counted, due_at) - first
        is_update = item.kind == "update"
        coming = left(pressing, due_at + WEEK) - right(pressing, due_at) if is_update and pressing else 0
        if window + coming < cap:
            accepted.append(item)
            bisect.insort(counted, due_at)
            continue
        if window >= cap:
            later = next_open(counted[first] + WEEK, place, settings.hours)
        else:
            later = next_open(due_at + timedelta(days=1), place, settings.hours)
        if later > until or (is_update and right(updates, later) > right(updates, due_at)):
            continue  # beyond the horizon, or an update the next slot's replaces
        heapq.heappush(heap, (later, PRIORITY[item.kind], item.key, item._replace(due_at=later)))
    return accepted


def _tz(customer: BookCustomer) -> ZoneInfo:
    return zone(customer.place.timezone)
