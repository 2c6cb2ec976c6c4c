"""A buyer's payment run days, and the day a "before due" reminder aims at. Pure."""

from datetime import date

import pytest

from mailflow.ledger.payment_runs import (
    PaymentDaysError,
    before_due_day,
    business_days_before,
    parse_payment_days,
    payment_run_before,
)


def test_payment_days_are_read_sorted_and_once() -> None:
    assert parse_payment_days("25, 10;25") == (10, 25)
    assert parse_payment_days("") == ()


@pytest.mark.parametrize("text", ["0", "32", "ten", "10-25", "2.5"])
def test_anything_but_days_of_a_month_is_refused(text: str) -> None:
    with pytest.raises(PaymentDaysError, match="days of the month 1 to 31"):
        parse_payment_days(text)


def test_the_run_is_the_latest_payment_day_on_or_before_the_due_date() -> None:
    assert payment_run_before(date(2026, 12, 20), (10, 25)) == date(2026, 12, 10)
    assert payment_run_before(date(2026, 12, 25), (10, 25)) == date(2026, 12, 25)


def test_the_run_is_looked_for_in_the_previous_month_with_day_31_its_last_day() -> None:
    assert payment_run_before(date(2026, 12, 5), (10, 31)) == date(2026, 11, 30)
    assert payment_run_before(date(2027, 1, 3), (25,)) == date(2026, 12, 25)  # across a year end too
    assert payment_run_before(date(2027, 3, 1), (30,)) == date(2027, 2, 28)


def test_business_days_are_counted_back_over_the_weekend_and_holidays() -> None:
    assert business_days_before(date(2026, 11, 30), 2, "") == date(2026, 11, 26)  # Monday -> Thursday
    # In Germany 3 October is a holiday: two business days before Monday 5 October 2026 is the 1st.
    assert business_days_before(date(2026, 10, 5), 2, "DE") == date(2026, 10, 1)


def test_the_before_due_level_moves_ahead_of_the_run_but_never_later_than_its_own_day() -> None:
    # Due Thursday 10 December, runs on the 15th and the 31st: the run before it is Monday 30 November.
    assert before_due_day(date(2026, 12, 10), -7, (15, 31), 2, "") == date(2026, 11, 26)
    # A run on the due date itself: two business days before it is later than the -7 level's own day.
    assert before_due_day(date(2026, 12, 10), -7, (10,), 2, "") == date(2026, 12, 3)
    assert before_due_day(date(2026, 12, 10), -7, (), 2, "") == date(2026, 12, 3)  # no payment days
    assert before_due_day(date(2026, 12, 10), 7, (15, 31), 2, "") == date(2026, 12, 17)  # after due: as set
