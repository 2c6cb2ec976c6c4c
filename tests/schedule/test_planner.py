"""The pure planner: what is due, when, under which key, within the weekly limit."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from mailflow.config.schedule import schedule_settings
from mailflow.config.table import Table
from mailflow.ledger.business_hours import Place
from mailflow.schedule.planner import Book, BookCase, BookCustomer, BookInvoice, plan

SETTINGS = schedule_settings(Table({}, ""), Path("."))
POLICIES = {"followup": "required", "satisfaction": "required", "update": "required"}
BERLIN = Place("Europe/Berlin", "DE")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def customer(id: int = 1, klass: str = "", place: Place = BERLIN, **changes: object) -> BookCustomer:
    base = BookCustomer(id, f"buyer{id}@importer.example", "en", place, klass, False, True)
    return base._replace(**changes)


def invoice(due: date, highest: int | None = None, hold: str = "", number: str = "INV-1") -> BookInvoice:
    return BookInvoice(1, number, 1, due, hold, highest)


def book(
    customers: list[BookCustomer], invoices=(), cases=(), update_keys=(), recent=None, last_tick=None
) -> Book:  # type: ignore[no-untyped-def]
    customers_by_id = {c.id: c for c in customers}
    return Book(
        customers_by_id, tuple(invoices), tuple(cases), frozenset(update_keys), recent or {}, last_tick
    )


def test_every_reminder_level_once_inside_business_hours() -> None:
    now = utc(2026, 11, 22, 12, 0)
    due = plan(book([customer()], [invoice(date(2026, 12, 10))]), SETTINGS, POLICIES, now, utc(2027, 2, 1))
    assert [item.key for item in due] == [
        "reminder:INV-1:-7", "reminder:INV-1:+0", "reminder:INV-1:+7", "reminder:INV-1:+14", "reminder:INV-1:+30",
    ]  # fmt: skip
    assert [item.template for item in due] == ["upcoming", "due", "overdue", "firm", "final"]
    # 10:00 in Berlin (CET): 09:00 UTC; the -7 level falls on Thursday 3 December.
    assert due[0].due_at == utc(2026, 12, 3, 9, 0)
    # +14 is Thursday 24 December; +30 is Saturday 9 January 2027: moved to Monday the 11th.
    assert due[4].due_at == utc(2027, 1, 11, 8, 0)
    # Christmas Eve is no German public holiday, so +14 stays; the +7 (17 Dec) as well.
    assert due[3].due_at == utc(2026, 12, 24, 9, 0)


def test_missed_levels_draft_only_the_highest_now() -> None:
    now = utc(2026, 12, 19, 12, 0)  # Saturday; the due date was 10 December, +7 was the 17th
    due = plan(book([customer()], [invoice(date(2026, 12, 10))]), SETTINGS, POLICIES, now, now)
    assert [item.key for item in due] == ["reminder:INV-1:+7"]
    assert due[0].due_at == utc(2026, 12, 21, 8, 0)  # Monday 09:00 in Berlin: the first moment it may go


def test_drafted_levels_and_holds_stop_reminders() -> None:
    now = utc(2026, 12, 19, 12, 0)
    assert not plan(
        book([customer()], [invoice(date(2026, 12, 10), highest=7)]), SETTINGS, POLICIES, now, now
    )
    held = invoice(date(2026, 12, 10), hold="the buyer says they paid")
    assert not plan(book([customer()], [held]), SETTINGS, POLICIES, now, utc(2027, 3, 1))


def test_updates_follow_the_class_cadence_on_the_local_weekday() -> None:
    now = utc(2026, 11, 22, 12, 0)  # Sunday
    people = [customer(1, "A"), customer(2, "B"), customer(3, "C")]
    sent = ["update:1:2026-11-17", "update:2:2026-11-17", "update:3:2026-11-03"]
    settings = replace(SETTINGS, max_per_week=5)
    due = plan(book(people, update_keys=sent), settings, POLICIES, now, utc(2027, 1, 1))
    slots = {id: [item.slot for item in due if item.customer_id == id] for id in (1, 2, 3)}
    assert all(item.due_at.astimezone(BERLIN_TZ).weekday() == 1 for item in due)  # Tuesdays, 10:00
    assert all(item.due_at.astimezone(BERLIN_TZ).hour == 10 for item in due)
    tuesdays = [date(2026, 11, 24) + timedelta(weeks=n) for n in range(6)]
    assert slots[1] == tuesdays
    assert slots[2] == [date(2026, 12, 1), date(2026, 12, 15), date(2026, 12, 29)]  # every other week
    assert slots[3] == [date(2026, 12, 1)]  # the first Tuesday of the month


def test_weekly_updates_keep_the_local_hour_across_dst() -> None:
    now = utc(2027, 3, 14, 12, 0)
    drafted = book([customer(1, "A")], update_keys=["update:1:2027-03-09"])
    due = plan(drafted, SETTINGS, POLICIES, now, utc(2027, 4, 14))
    days = [item.slot for item in due]
    assert days == [
        date(2027, 3, 16),
        date(2027, 3, 23),
        date(2027, 3, 30),
        date(2027, 4, 6),
        date(2027, 4, 13),
    ]
    assert {item.due_at.astimezone(BERLIN_TZ).hour for item in due} == {10}
    assert [item.due_at.hour for item in due] == [9, 9, 8, 8, 8]  # CET, then CEST from 28 March


def test_a_missed_update_is_sent_once_and_an_old_one_not_at_all() -> None:
    now = utc(2026, 11, 25, 12, 0)  # Wednesday; Tuesday's slot was missed: no tick since Monday
    down = book([customer(1, "A")], last_tick=utc(2026, 11, 23, 12, 0))
    due = plan(down, SETTINGS, POLICIES, now, now)
    assert [item.key for item in due] == ["update:1:2026-11-24"]
    assert due[0].due_at == now
    # A customer added to the list today, with ticks running all along, starts with next week's slot.
    assert not plan(
        book([customer(1, "A")], last_tick=utc(2026, 11, 25, 11, 59)), SETTINGS, POLICIES, now, now
    )
    assert not plan(book([customer(1, "A")]), SETTINGS, POLICIES, now, now)  # the very first tick
    drafted = book([customer(1, "A")], update_keys=["update:1:2026-11-24"])
    assert not plan(drafted, SETTINGS, POLICIES, now, now)


def test_opted_out_and_unlisted_customers_get_no_updates() -> None:
    now = utc(2026, 11, 22, 12, 0)
    people = [customer(1, "A", opted_out=True), customer(2, ""), customer(3, "A", reachable=False)]
    assert not plan(book(people), SETTINGS, POLICIES, now, utc(2027, 1, 1))


def test_weekly_limit_lets_the_reminder_go_first_and_the_update_waits() -> None:
    settings = replace(SETTINGS, max_per_week=1)
    now = utc(2026, 11, 22, 12, 0)
    # The invoice is due Tuesday 1 December: level 0 is due at 10:00, as is the weekly update.
    start = book([customer(1, "A")], [invoice(date(2026, 12, 1))])
    start = replace(start, update_keys=frozenset({"update:1:2026-11-17"}))
    due = plan(start, replace(settings, ladder=settings.ladder[1:2]), POLICIES, now, utc(2026, 12, 4))
    assert [(item.kind, item.due_at) for item in due] == [
        ("update", utc(2026, 11, 24, 9, 0)),  # a week before the reminder: room for both
        ("reminder", utc(2026, 12, 1, 9, 0)),  # Tuesday's update gives way to it, and waits
    ]
    later = plan(start, replace(settings, ladder=settings.ladder[1:2]), POLICIES, now, utc(2026, 12, 20))
    assert ("update", utc(2026, 12, 8, 9, 0)) in [(item.kind, item.due_at) for item in later]
    assert not [item for item in later if item.slot == date(2026, 12, 1)]  # replaced by the next slot's


def test_followups_until_the_customer_answers() -> None:
    acked = BookCase(7, 1, "acknowledged", utc(2026, 11, 23, 10, 0), False, 0, False, False, None, False)
    now = utc(2026, 11, 23, 12, 0)
    due = plan(book([customer()], cases=[acked]), SETTINGS, POLICIES, now, utc(2026, 12, 31))
    assert [item.key for item in due] == ["followup:7:1", "followup:7:2"]
    assert due[0].due_at == utc(2026, 11, 26, 10, 0)  # three business days later, same hour
    assert due[1].due_at == utc(2026, 12, 1, 10, 0)
    assert not plan(
        book([customer()], cases=[replace(acked, answered=True)]), SETTINGS, POLICIES, now, utc(2027, 1, 1)
    )
    waiting = replace(acked, followups=1, followup_waiting=True)
    assert not plan(book([customer()], cases=[waiting]), SETTINGS, POLICIES, now, utc(2027, 1, 1))


def test_satisfaction_check_after_resolution() -> None:
    resolved = BookCase(7, 1, "resolved", None, False, 0, False, False, utc(2026, 11, 20, 15, 0), False)
    now = utc(2026, 11, 22, 12, 0)
    due = plan(book([customer()], cases=[resolved]), SETTINGS, POLICIES, now, utc(2026, 12, 31))
    assert [(item.key, item.due_at) for item in due] == [("satisfaction:7", utc(2026, 11, 27, 9, 0))]


BERLIN_TZ = __import__("zoneinfo").ZoneInfo("Europe/Berlin")
