"""The case workflow's state machine and what a solution may be: pure, no database."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from mailflow.inbound.case_states import (
    CLOSED,
    OPEN,
    CaseMoveError,
    Solution,
    ack_key,
    may,
    overdue,
    responsibility_from,
    solution_from,
    transition,
)
from mailflow.store.models import CLOSED_CASE_STATUSES


@pytest.mark.parametrize(
    ("status", "action", "expected"),
    [
        ("open", "acknowledge", "acknowledged"),
        ("open", "assess", "assessed"),
        ("acknowledged", "assess", "assessed"),
        ("assessed", "agree", "agreed"),
        ("acknowledged", "agree", "agreed"),
        ("agreed", "agree", "agreed"),  # a changed solution
        ("in_progress", "agree", "agreed"),
        ("agreed", "start", "in_progress"),
        ("in_progress", "assess", "in_progress"),
        ("in_progress", "resolve", "resolved"),
        ("acknowledged", "resolve", "resolved"),
        ("resolved", "reopen", "open"),
        ("assessed", "assign", "assessed"),
        ("resolved", "note", "resolved"),
        ("agreed", "withdraw", "withdrawn"),
    ],
)
def test_each_allowed_move_leads_to_its_state(status: str, action: str, expected: str) -> None:
    assert transition(status, action) == expected and may(status, action)


@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("acknowledged", "acknowledge"),  # acknowledged only from open
        ("assessed", "acknowledge"),
        ("resolved", "agree"),
        ("withdrawn", "agree"),
        ("assessed", "start"),  # nothing to carry out before a solution is agreed
        ("resolved", "resolve"),
        ("open", "reopen"),
        ("withdrawn", "reopen"),
        ("resolved", "assign"),
        ("resolved", "assess"),
    ],
)
def test_a_move_the_state_does_not_allow_is_refused_in_words(status: str, action: str) -> None:
    with pytest.raises(CaseMoveError, match=r"^a case that is .+ cannot be "):
        transition(status, action)
    assert not may(status, action)


def test_every_state_is_either_open_work_or_closed() -> None:
    assert set(OPEN).isdisjoint(CLOSED) and "in_progress" in OPEN and set(CLOSED) == {"resolved", "withdrawn"}


def test_the_store_closes_exactly_the_states_the_workflow_closes() -> None:
    # The store's queries cannot import this pure module (it is a layer above): its copy is checked here.
    assert CLOSED_CASE_STATUSES == CLOSED


def test_a_solution_keeps_its_amount_to_the_cent_with_its_currency_upper_case() -> None:
    solution = solution_from("refund", "1,240.5", "usd", "2026-12-15")
    assert solution == Solution("refund", Decimal("1240.50"), "USD", date(2026, 12, 15))
    assert solution.as_json() == {
        "kind": "refund",
        "amount": "1240.50",
        "currency": "USD",
        "due": "2026-12-15",
    }


def test_a_solution_without_amount_or_date_is_just_its_kind() -> None:
    assert solution_from("replacement").as_json() == {
        "kind": "replacement", "amount": None, "currency": None, "due": None,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (("cash",), "unknown solution 'cash'"),
        (("refund", "120"), "an amount needs its currency"),
        (("refund", "", "USD"), "a currency needs an amount"),
        (("refund", "120", "US"), "not an ISO 4217 code"),
        (("refund", "120", "U$D"), "not an ISO 4217 code"),
        (("refund", "twelve", "USD"), "is not a number"),
        (("refund", "-5", "USD"), "must be zero or more"),
        (("refund", "NaN", "USD"), "must be zero or more"),
        (("refund", "", "", "15.12.2026"), "is not a date (YYYY-MM-DD)"),
        (("refund", "", "", "2026-02-30"), "is not a date"),
    ],
)
def test_a_malformed_solution_is_refused_naming_what_is_wrong(arguments: tuple[str, ...], said: str) -> None:
    with pytest.raises(CaseMoveError, match=re.escape(said)):
        solution_from(*arguments)


def test_responsibility_is_one_of_the_five() -> None:
    assert responsibility_from("carrier") == "carrier"
    with pytest.raises(CaseMoveError, match="unknown responsibility 'the weather'"):
        responsibility_from("the weather")


def test_a_solution_is_overdue_from_the_day_after_its_due_date_while_it_is_open_work() -> None:
    due = date(2026, 12, 15)
    assert not overdue("agreed", due, date(2026, 12, 15))
    assert overdue("agreed", due, date(2026, 12, 16))
    assert overdue("in_progress", due, date(2026, 12, 16))
    assert not overdue("resolved", due, date(2027, 1, 1))  # done: never overdue
    assert not overdue("agreed", None, date(2027, 1, 1))


def test_each_reopening_gets_its_own_acknowledgement_key() -> None:
    assert [ack_key(7, n) for n in range(3)] == ["ack:case:7", "ack:case:7:reopen-1", "ack:case:7:reopen-2"]
