"""Business hours in the customer's own time zone, weekends by country, public holidays."""

from datetime import UTC, datetime, time

from mailflow.ledger.business_hours import Hours, Place, add_business_days, is_open, local_moment, next_open

HOURS = Hours(time(9), time(17))
BERLIN = Place("Europe/Berlin", "DE")
LOS_ANGELES = Place("America/Los_Angeles", "US")
RIYADH = Place("Asia/Riyadh", "SA")
DUBAI = Place("Asia/Dubai", "AE")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_inside_business_hours_is_now() -> None:
    moment = utc(2026, 11, 24, 10, 0)  # Tuesday 11:00 in Berlin
    assert next_open(moment, BERLIN, HOURS) == moment
    assert is_open(moment, BERLIN, HOURS)


def test_after_hours_waits_for_the_next_morning_local() -> None:
    # Tuesday 17:30 in Berlin (CET, UTC+1) -> Wednesday 09:00 CET = 08:00 UTC.
    assert next_open(utc(2026, 11, 24, 16, 30), BERLIN, HOURS) == utc(2026, 11, 25, 8, 0)
    assert not is_open(utc(2026, 11, 24, 16, 30), BERLIN, HOURS)


def test_weekend_and_dst_in_berlin() -> None:
    # Friday 27 March 2026 after hours; Sunday the clocks go forward; Monday 09:00 CEST is 07:00 UTC.
    assert next_open(utc(2026, 3, 27, 17, 0), BERLIN, HOURS) == utc(2026, 3, 30, 7, 0)


def test_dst_end_in_los_angeles() -> None:
    # Saturday 31 October 2026 (PDT); Sunday 1 November the clocks go back; Monday 09:00 PST = 17:00 UTC.
    assert next_open(utc(2026, 10, 31, 20, 0), LOS_ANGELES, HOURS) == utc(2026, 11, 2, 17, 0)


def test_gulf_weekends() -> None:
    thursday_evening = utc(2026, 11, 26, 15, 0)  # 18:00 in Riyadh and 19:00 in Dubai
    # Saudi Arabia rests Friday and Saturday: Sunday 09:00 (UTC+3).
    assert next_open(thursday_evening, RIYADH, HOURS) == utc(2026, 11, 29, 6, 0)
    # The UAE moved to Saturday-Sunday in 2022: Friday 09:00 (UTC+4).
    assert next_open(thursday_evening, DUBAI, HOURS) == utc(2026, 11, 27, 5, 0)


def test_public_holidays() -> None:
    # Christmas 2026 is a Friday in Germany: Thursday evening waits until Monday 28 December.
    assert next_open(utc(2026, 12, 24, 17, 0), BERLIN, HOURS) == utc(2026, 12, 28, 8, 0)
    # Thanksgiving (Thursday 26 November 2026) in the US.
    assert next_open(utc(2026, 11, 26, 18, 0), LOS_ANGELES, HOURS) == utc(2026, 11, 27, 17, 0)


def test_no_country_means_saturday_sunday_and_no_holidays() -> None:
    nowhere = Place("", "")
    assert next_open(utc(2026, 12, 25, 10, 0), nowhere, HOURS) == utc(2026, 12, 25, 10, 0)
    assert next_open(utc(2026, 11, 28, 10, 0), nowhere, HOURS) == utc(2026, 11, 30, 9, 0)


def test_business_days_skip_weekends_and_holidays() -> None:
    # Wednesday 23 December 2026, 10:00 UTC, plus 3 business days in Germany: 24th, 28th, 29th.
    assert add_business_days(utc(2026, 12, 23, 10, 0), 3, BERLIN) == utc(2026, 12, 29, 10, 0)


def test_local_moment_keeps_the_wall_clock_across_dst() -> None:
    assert local_moment(datetime(2027, 3, 26).date(), time(10), BERLIN) == utc(2027, 3, 26, 9, 0)
    assert local_moment(datetime(2027, 3, 29).date(), time(10), BERLIN) == utc(2027, 3, 29, 8, 0)
    # 02:30 does not exist on 28 March 2027 in Berlin: it moves forward, it is not lost.
    assert local_moment(datetime(2027, 3, 28).date(), time(2, 30), BERLIN) == utc(2027, 3, 28, 1, 30)
