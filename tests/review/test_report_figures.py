"""The reports' arithmetic, without a database: buckets, percentiles, weeks, cadences."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from mailflow.ledger.business_hours import Place
from mailflow.review.report_figures import (
    CaseTimes,
    Period,
    ageing_bucket,
    ageing_rows,
    as_of,
    complaint_rows,
    default_period,
    iso_week,
    local_day,
    neglected_rows,
    percentile,
    response_rows,
    weeks_of,
)

CADENCE = {"A": "weekly", "B": "fortnightly", "C": "monthly"}


def _at(day: int, hour: int = 9, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_a_bucket_starts_the_day_after_its_boundary() -> None:
    assert [ageing_bucket(days) for days in (-3, 0, 1, 30, 31, 60, 61, 90, 91, 400)] == [
        "not_due", "not_due", "1-30", "1-30", "31-60", "31-60", "61-90", "61-90", "90+", "90+",
    ]  # fmt: skip


def test_ageing_sums_open_balances_per_currency_and_bucket_and_leaves_out_empty_buckets() -> None:
    on = date(2026, 11, 30)
    invoices = [
        ("USD", Decimal("5000"), 1, date(2026, 12, 10), on),
        ("USD", Decimal("2000.5"), 1, date(2026, 11, 30), on),  # due today: not yet late
        ("USD", Decimal("300"), 1, date(2026, 10, 31), on),  # 30 days
        ("EUR", Decimal("1200"), 1, date(2026, 8, 1), on),  # 121 days
        ("EUR", Decimal("0"), 1, date(2026, 8, 1), on),  # nothing left to pay
        ("GBP", Decimal("950.25"), 3, date(2026, 9, 15), on),  # three invoices due the same day: 76 days
    ]
    assert ageing_rows(invoices) == [
        {"currency": "EUR", "bucket": "90+", "amount": "1200.00", "invoices": 1},
        {"currency": "GBP", "bucket": "61-90", "amount": "950.25", "invoices": 3},
        {"currency": "USD", "bucket": "not_due", "amount": "7000.50", "invoices": 2},
        {"currency": "USD", "bucket": "1-30", "amount": "300.00", "invoices": 1},
    ]


def test_percentiles_interpolate_between_ranks() -> None:
    assert percentile([], 0.5) is None
    assert percentile([4.0], 0.9) == 4.0
    assert percentile([1.0, 3.0, 2.0, 10.0], 0.5) == 2.5
    assert percentile([float(n) for n in range(1, 11)], 0.9) == 9.1


def test_iso_weeks_cross_the_year_as_iso_counts_them() -> None:
    assert iso_week(date(2026, 11, 23)) == "2026-W48"
    assert iso_week(date(2027, 1, 1)) == "2026-W53"
    assert weeks_of(Period(date(2026, 12, 27), date(2027, 1, 5))) == ["2026-W52", "2026-W53", "2027-W01"]


def test_the_default_period_is_the_last_eight_weeks_up_to_today() -> None:
    period = default_period(date(2026, 11, 30))
    assert (period.first, period.last) == (date(2026, 10, 6), date(2026, 11, 30))
    assert len(weeks_of(period)) == 9  # 56 days that start on a Tuesday touch nine ISO weeks
    assert default_period(date(2026, 11, 30), last=date(2026, 10, 31)).first == date(2026, 9, 6)


def test_response_times_count_per_week_of_the_buyers_first_message_in_calendar_hours() -> None:
    cases = [
        CaseTimes("a@x", ("shipping",), _at(23), _at(23, 12)),  # 3 h
        CaseTimes("b@x", ("quality",), _at(27, 17), _at(30, 9)),  # Friday evening -> Monday: 64 h
        CaseTimes("c@x", ("quality",), _at(28), None),
        CaseTimes("d@x", ("service",), _at(1, 9, 12), _at(1, 10, 12)),  # after the period
    ]
    rows = response_rows(cases, Period(date(2026, 11, 16), date(2026, 11, 30)))
    assert rows == [
        {"week": "2026-W47", "complaints": 0, "answered": 0, "median_hours": None, "p90_hours": None,
         "within_target": 0},
        # Both answers came within one business day: 3 h, and Friday 17:00 to Monday 09:00.
        {"week": "2026-W48", "complaints": 3, "answered": 2, "median_hours": 33.5, "p90_hours": 57.9,
         "within_target": 2},
        {"week": "2026-W49", "complaints": 0, "answered": 0, "median_hours": None, "p90_hours": None,
         "within_target": 0},
    ]  # fmt: skip


def test_complaints_count_each_category_of_a_case_and_rank_the_customers() -> None:
    cases = [
        CaseTimes("b@x", ("quality", "shipping"), _at(23), None),
        CaseTimes("a@x", ("shipping",), _at(24), None),
        CaseTimes("b@x", (), _at(30), None),
    ]
    assert complaint_rows(cases, Period(date(2026, 11, 1), date(2026, 11, 30))) == {
        "weeks": [
            {"week": "2026-W48", "category": "quality", "complaints": 1},
            {"week": "2026-W48", "category": "shipping", "complaints": 2},
            {"week": "2026-W49", "category": "unclassified", "complaints": 1},
        ],
        "customers": [{"customer": "b@x", "complaints": 2}, {"customer": "a@x", "complaints": 1}],
    }


def test_neglected_customers_are_those_past_their_cadence_never_contacted_first() -> None:
    customers = [
        ("a-recent@x", "A", _at(23)),  # 7 days: on time
        ("a-late@x", "A", _at(22)),  # 8 days: 1 overdue
        ("b-late@x", "B", _at(1)),  # 29 days: 15 overdue
        ("c-fine@x", "C", _at(1)),  # 29 days of 30
        ("c-never@x", "C", None),
    ]
    rows = neglected_rows(customers, CADENCE, date(2026, 11, 30))
    assert rows == [
        {"customer": "c-never@x", "class": "C", "last_contact_at": None, "cadence_days": 30, "days_overdue": None},
        {"customer": "b-late@x", "class": "B", "last_contact_at": "2026-11-01T09:00:00+00:00", "cadence_days": 14,
         "days_overdue": 15},
        {"customer": "a-late@x", "class": "A", "last_contact_at": "2026-11-22T09:00:00+00:00", "cadence_days": 7,
         "days_overdue": 1},
    ]  # fmt: skip


def test_an_answer_on_monday_to_a_friday_evening_complaint_is_within_one_business_day() -> None:
    berlin = Place("Europe/Berlin", "DE")
    friday_evening = datetime(2026, 11, 20, 17, tzinfo=UTC)  # 18:00 in Berlin
    monday_morning = CaseTimes("a@x", (), friday_evening, datetime(2026, 11, 23, 8, tzinfo=UTC), berlin)
    tuesday_morning = CaseTimes("a@x", (), friday_evening, datetime(2026, 11, 24, 8, tzinfo=UTC), berlin)
    assert monday_morning.answered_within(1)
    assert not tuesday_morning.answered_within(1)
    assert tuesday_morning.answered_within(2)
    assert not CaseTimes("a@x", (), friday_evening, None, berlin).answered_within(5)


def test_a_public_holiday_of_the_customers_country_does_not_count_as_a_business_day() -> None:
    """Wednesday 25 November 17:00 local, answered on Friday 10:00 local: Thursday is Thanksgiving in
    the US (within one business day), an ordinary Thursday in the UK (late)."""
    boston = CaseTimes("b@x", (), datetime(2026, 11, 25, 22, tzinfo=UTC), datetime(2026, 11, 27, 15, tzinfo=UTC),
                       Place("America/New_York", "US"))  # fmt: skip
    leeds = CaseTimes("l@x", (), datetime(2026, 11, 25, 17, tzinfo=UTC), datetime(2026, 11, 27, 10, tzinfo=UTC),
                      Place("Europe/London", "GB"))  # fmt: skip
    assert boston.answered_within(1)
    assert not leeds.answered_within(1)


def test_an_answer_at_the_very_moment_of_the_target_is_within_it() -> None:
    wrote = datetime(2026, 11, 23, 9, tzinfo=UTC)  # Monday
    assert CaseTimes("a@x", (), wrote, datetime(2026, 11, 24, 9, tzinfo=UTC)).answered_within(1)
    assert not CaseTimes("a@x", (), wrote, datetime(2026, 11, 24, 9, 1, tzinfo=UTC)).answered_within(1)


def test_the_day_an_invoice_is_counted_on_is_the_customers_own() -> None:
    noon = datetime(2026, 11, 30, 12, tzinfo=UTC)
    assert local_day(noon, "Pacific/Auckland") == date(2026, 12, 1)  # 01:00 there
    assert local_day(noon, "America/Los_Angeles") == date(2026, 11, 30)
    assert local_day(datetime(2026, 11, 30, 23, tzinfo=UTC), "") == date(2026, 11, 30)  # no zone: UTC


def test_a_count_as_of_a_past_day_stops_at_its_end_and_one_of_today_at_now() -> None:
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    assert as_of(now, None) == (date(2026, 11, 30), now)
    assert as_of(now, date(2026, 11, 20)) == (date(2026, 11, 20), datetime(2026, 11, 21, tzinfo=UTC))
    assert as_of(now, date(2026, 12, 5)) == (date(2026, 12, 5), now)  # the future has no contacts yet
