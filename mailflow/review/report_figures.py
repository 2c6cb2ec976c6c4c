"""The reports' arithmetic: ageing buckets, percentiles, ISO weeks, cadences. Pure: rows in, rows out.

`review/reports` reads the rows from the database; this module turns them
into the figures of `mailflow report` (and of the overview page), so the
numbers can be checked without a database.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from mailflow.ledger.business_hours import Place, add_business_days, zone

NOWHERE = Place("", "")  # UTC, a Saturday-Sunday weekend, no holidays
# Days past due each ageing bucket holds, as (fewest, most): the report's buckets and the invoice
# list's filter of the same name.
BUCKET_DAYS = {"not_due": (None, 0), "1-30": (1, 30), "31-60": (31, 60), "61-90": (61, 90), "90+": (91, None)}
AGEING_BUCKETS = tuple(BUCKET_DAYS)
# Days between two contacts a customer of each cadence expects (schedule.updates.cadence).
CADENCE_DAYS = {"weekly": 7, "fortnightly": 14, "monthly": 30}
DEFAULT_WEEKS = 8
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Period:
    """Whole days, both ends included, in UTC."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), UTC)

    @property
    def end(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.last + timedelta(days=1), time(), UTC)

    def holds(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def default_period(today: date, first: date | None = None, last: date | None = None) -> Period:
    """The given days; what is missing: the last 8 weeks up to today."""
    last = last or today
    return Period(first or last - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1), last)


def iso_week(moment: date | datetime) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def weeks_of(period: Period) -> list[str]:
    """Every ISO week the period touches, in order."""
    weeks, day = [], period.first - timedelta(days=period.first.weekday())
    while day <= period.last:
        weeks.append(iso_week(day))
        day += timedelta(weeks=1)
    return weeks


def hours(start: datetime, end: datetime) -> float:
    """Calendar hours between two moments, to two decimals."""
    return round((end - start).total_seconds() / 3600, 2)


def percentile(values: Sequence[float], share: float) -> float | None:
    """Linear interpolation between the closest ranks (numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return round(ordered[below] + (ordered[above] - ordered[below]) * (position - below), 2)


def local_day(now: datetime, timezone: str) -> date:
    """Today on the customer's clock ("" = UTC): an invoice is a day later at their midnight, not ours."""
    return now.astimezone(zone(timezone)).date()


def ageing_bucket(days_past_due: int) -> str:
    return next(bucket for bucket, (_, most) in BUCKET_DAYS.items() if most is None or days_past_due <= most)


def ageing_rows(invoices: Iterable[tuple[str, Decimal, int, date, date]]) -> list[dict[str, Any]]:
    """(currency, open balance, how many invoices it sums, due, the day it is counted on) -> one row
    per currency and bucket that holds money."""
    amounts: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    counts: Counter[tuple[str, str]] = Counter()
    for currency, balance, invoices_summed, due, on in invoices:
        if balance <= 0:
            continue
        key = (currency, ageing_bucket((on - due).days))
        amounts[key] += balance
        counts[key] += invoices_summed
    order = sorted(amounts, key=lambda key: (key[0], AGEING_BUCKETS.index(key[1])))
    return [
        {
            "currency": currency,
            "bucket": bucket,
            "amount": str(amounts[currency, bucket].quantize(CENT)),
            "invoices": counts[currency, bucket],
        }
        for currency, bucket in order
    ]


@dataclass(frozen=True)
class CaseTimes:
    """A complaint case: when the buyer first wrote and when our first answer went out."""

    customer: str
    categories: tuple[str, ...]
    first_in: datetime
    first_out: datetime | None
    place: Place = NOWHERE  # the customer's time zone and country: their business days
    open: bool = True  # not resolved or withdrawn
    customer_id: int = 0
    severity: str = ""

    def answered_within(self, business_days: int) -> bool:
        """Our first answer came by the same time of day `business_days` business days later, on the
        customer's calendar (their weekend and public holidays do not count)."""
        if self.first_out is None:
            return False
        return self.first_out <= add_business_days(self.first_in, business_days, self.place)


def response_rows(cases: Iterable[CaseTimes], period: Period, target_days: int = 1) -> list[dict[str, Any]]:
    """Per ISO week of the buyer's first message: complaints, answered, median and p90 hours to our
    answer (calendar hours), and how many were answered within `target_days` business days."""
    waits: dict[str, list[float]] = {week: [] for week in weeks_of(period)}
    complaints: Counter[str] = Counter()
    within: Counter[str] = Counter()
    for case in cases:
        if not period.holds(case.first_in):
            continue
        week = iso_week(case.first_in)
        complaints[week] += 1
        if case.first_out is not None:
            waits[week].append(hours(case.first_in, case.first_out))
            within[week] += case.answered_within(target_days)
    return [
        {
            "week": week,
            "complaints": complaints[week],
            "answered": len(found),
            "median_hours": percentile(found, 0.5),
            "p90_hours": percentile(found, 0.9),
            "within_target": within[week],
        }
        for week, found in waits.items()
    ]


def complaint_rows(cases: Iterable[CaseTimes], period: Period, top: int = 10) -> dict[str, Any]:
    """Cases per week and category (a case of two categories counts in each), and the top customers."""
    per_week: Counter[tuple[str, str]] = Counter()
    per_customer: Counter[str] = Counter()
    for case in cases:
        if not period.holds(case.first_in):
            continue
        for category in case.categories or ("unclassified",):
            per_week[iso_week(case.first_in), category] += 1
        per_customer[case.customer] += 1
    return {
        "weeks": [
            {"week": week, "category": category, "complaints": per_week[week, category]}
            for week, category in sorted(per_week)
        ],
        "customers": [
            {"customer": customer, "complaints": count}
            for customer, count in sorted(per_customer.items(), key=lambda item: (-item[1], item[0]))[:top]
        ],
    }


def neglected_rows(
    customers: Iterable[tuple[str, str, datetime | None]], cadence: dict[str, str], on: date
) -> list[dict[str, Any]]:
    """(email, class, last contact) -> those not contacted within their class's cadence; never first,
    then the longest overdue. Days are counted in UTC calendar days up to `on`."""
    found = []
    for email, klass, last in customers:
        days = CADENCE_DAYS[cadence[klass]]
        since = (on - last.astimezone(UTC).date()).days if last else None
        if since is not None and since <= days:
            continue
        found.append(
            {
                "customer": email,
                "class": klass,
                "last_contact_at": last.isoformat() if last else None,
                "cadence_days": days,
                "days_overdue": since - days if since is not None else None,
            }
        )
    overdue = "days_overdue"
    return sorted(found, key=lambda row: (row[overdue] is not None, -(row[overdue] or 0), row["customer"]))


def as_of(now: datetime, day: date | None) -> tuple[date, datetime]:
    """The day a contact count is made on and the moment it stops at: the end of `day` (UTC), or now
    when that comes sooner; without a day, today."""
    on = day or now.astimezone(UTC).date()
    return on, min(now, datetime.combine(on + timedelta(days=1), time(), UTC))
