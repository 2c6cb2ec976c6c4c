"""When a customer may get mail: their business hours, their weekend, their public holidays. Pure.

Times are computed in the customer's own time zone with zoneinfo, so a local
09:00 stays 09:00 across a DST change; everything handed back is UTC. The
weekend and the holidays are the `holidays` package's for the customer's
country (Friday-Saturday in Saudi Arabia, Saturday-Sunday in the UAE since
2022); a customer with no country has a Saturday-Sunday weekend and no
holidays. Answers are cached per (country, year) and per time zone: a
schedule preview asks hundreds of thousands of times.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

_DEFAULT_WEEKEND = frozenset({5, 6})  # Saturday, Sunday (date.weekday())
_MAX_DAYS_CLOSED = 30  # no calendar closes for longer; a guard against a bad one


@dataclass(frozen=True)
class Hours:
    """The local hours in which mail may go out: [start, end)."""

    start: time
    end: time


@dataclass(frozen=True)
class Place:
    """Where a customer is, as far as sending is concerned."""

    timezone: str  # IANA name; "" = UTC
    country: str  # ISO 3166 alpha-2; "" = no holidays, Saturday-Sunday weekend


def zone(name: str) -> ZoneInfo:
    return _zone(name or "UTC")


@functools.lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")  # an unknown zone is reported by the import; here it must not stop sending


def known_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def is_business_day(day: date, country: str) -> bool:
    weekend, closed = _calendar(country.upper(), day.year)
    return day.weekday() not in weekend and day not in closed


def holiday_name(day: date, country: str) -> str | None:
    country = country.upper()
    if not country or not _supported(country):
        return None
    name = holidays.country_holidays(country, years=day.year).get(day)
    return str(name) if name else None


@functools.lru_cache(maxsize=65536)
def next_open(moment: datetime, place: Place, hours: Hours) -> datetime:
    """The first instant at or after `moment` inside the customer's business hours (UTC)."""
    tz = zone(place.timezone)
    local = moment.astimezone(tz)
    day = local.date()
    for _ in range(_MAX_DAYS_CLOSED + 1):
        if is_business_day(day, place.country):
            opens = _at(day, hours.start, tz)
            closes = _at(day, hours.end, tz)
            if moment < opens:
                return opens.astimezone(UTC)
            if moment < closes:
                return moment.astimezone(UTC)
        day += timedelta(days=1)
    return moment.astimezone(UTC)


def is_open(moment: datetime, place: Place, hours: Hours) -> bool:
    return next_open(moment, place, hours) == moment.astimezone(UTC)


@functools.lru_cache(maxsize=65536)
def local_moment(day: date, at: time, place: Place) -> datetime:
    """`day` at `at` on the customer's clock, in UTC (a time that a DST change skips moves forward)."""
    return _at(day, at, zone(place.timezone)).astimezone(UTC)


def add_business_days(moment: datetime, days: int, place: Place) -> datetime:
    """`days` business days after `moment`, same local time of day (weekends and holidays not counted)."""
    tz = zone(place.timezone)
    local = moment.astimezone(tz)
    day, left = local.date(), days
    while left > 0:
        day += timedelta(days=1)
        if is_business_day(day, place.country):
            left -= 1
    return _at(day, local.timetz().replace(tzinfo=None), tz).astimezone(UTC)


def _at(day: date, at: time, tz: ZoneInfo) -> datetime:
    # Round-tripping through UTC normalises a wall time that does not exist (spring forward).
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC).astimezone(tz)


@functools.lru_cache(maxsize=4096)
def _calendar(country: str, year: int) -> tuple[frozenset[int], frozenset[date]]:
    if not country or not _supported(country):
        return _DEFAULT_WEEKEND, frozenset()
    calendar = holidays.country_holidays(country, years=year)
    weekend = frozenset(getattr(calendar, "weekend", _DEFAULT_WEEKEND))
    return weekend, frozenset(calendar.keys())


@functools.lru_cache(maxsize=512)
def _supported(country: str) -> bool:
    return country in holidays.list_supported_countries()
