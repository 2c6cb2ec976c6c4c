"""A buyer's payment run: the days of the month they pay, and when a reminder must be there for it. Pure.

Many buyers pay in runs: on the 10th and the 25th, say, whatever was approved
by then. A reminder that arrives after the run that precedes the due date is
a month late in practice, so the "before due" reminder aims at the run
instead: `lead` business days (the buyer's calendar) before it. The run that
precedes a due date is the latest payment day on or before it, looking back
into the previous month when the due month has none that early; a day past a
month's end (31 in November) is that month's last day.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from mailflow.ledger.business_hours import is_business_day

_MAX_DAYS_BACK = 60  # no calendar is closed this long; a guard against a bad one


class PaymentDaysError(ValueError):
    """Payment days that are not days of a month; the message says what was wrong."""


def parse_payment_days(text: str) -> tuple[int, ...]:
    """Days of the month from a cell: "10, 25" -> (10, 25), sorted, each once; "" -> (). Raises PaymentDaysError."""
    days = set()
    for part in text.replace(";", ",").replace(" ", ",").split(","):
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= 31:
            raise PaymentDaysError(f"expected days of the month 1 to 31, like 25 or 10,25: {text!r}")
        days.add(int(part))
    return tuple(sorted(days))


def payment_days_text(days: tuple[int, ...]) -> str:
    return ",".join(str(day) for day in days)


def payment_run_before(due: date, days: tuple[int, ...]) -> date | None:
    """The latest payment run on or before `due` (None without payment days)."""
    if not days:
        return None
    year, month = due.year, due.month
    for _ in range(2):
        last = calendar.monthrange(year, month)[1]
        runs = [date(year, month, min(day, last)) for day in days]
        earlier = [run for run in runs if run <= due]
        if earlier:
            return max(earlier)
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return None  # not reached: every run of the previous month is before `due`


def business_days_before(day: date, count: int, country: str) -> date:
    """The day `count` business days before `day` on the country's calendar (`day` itself not counted)."""
    found, left = day, count
    for _ in range(_MAX_DAYS_BACK):
        if left <= 0:
            break
        found -= timedelta(days=1)
        if is_business_day(found, country):
            left -= 1
    return found


def before_due_day(
    due: date, offset_days: int, days: tuple[int, ...], lead_business_days: int, country: str
) -> date:
    """The local day of a "before due" reminder level (offset_days < 0).

    Without payment days: due + offset. With them: `lead` business days before the run
    that precedes the due date, unless the level's own day is earlier still: a run does
    not make a reminder later than the ladder wants it.
    """
    own = due + timedelta(days=offset_days)
    run = payment_run_before(due, days)
    if run is None or offset_days >= 0:
        return own
    return min(own, business_days_before(run, lead_business_days, country))
