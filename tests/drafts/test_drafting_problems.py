"""Drafting problems: each cause logged once while it lasts, cleared by a round without it."""

from __future__ import annotations

import logging

import pytest

from mailflow.drafts.problems import DraftingProblems
from mailflow.drafts.templates import TemplateProblem

MISSING = TemplateProblem("no template for ack (looked for ack.en)")


def _round(problems: DraftingProblems, *cases: int) -> None:
    failures = problems.begin("acknowledgements", "no acknowledgement drafted")
    for case in cases:
        failures.failed(f"case {case}", MISSING)
    failures.finish()


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_cause_is_logged_once_however_many_cases_and_rounds_it_stops(
    caplog: pytest.LogCaptureFixture,
) -> None:
    problems = DraftingProblems()
    with caplog.at_level(logging.INFO, logger="mailflow.drafts.problems"):
        _round(problems, 1, 2)
        _round(problems, 1, 2, 3)
        _round(problems, 1, 2, 3)
    assert _errors(caplog) == [
        "acknowledgements: no acknowledgement drafted: no template for ack (looked for ack.en) "
        "(case 1, case 2); logged once until fixed"
    ]
    assert problems.current() == [
        "acknowledgements: no template for ack (looked for ack.en) (case 1, case 2, case 3)"
    ]


def test_a_round_without_the_cause_clears_it_and_it_is_logged_again_when_it_returns(
    caplog: pytest.LogCaptureFixture,
) -> None:
    problems = DraftingProblems()
    with caplog.at_level(logging.INFO, logger="mailflow.drafts.problems"):
        _round(problems, 1)
        _round(problems)
        assert problems.current() == []
        assert any("fixed: no template for ack" in r.getMessage() for r in caplog.records)
        _round(problems, 4)
    assert len(_errors(caplog)) == 2


def test_a_round_cut_short_adds_causes_but_clears_none() -> None:
    problems = DraftingProblems()
    _round(problems, 1)
    partial = problems.begin("acknowledgements")
    partial.finish(complete=False)
    assert len(problems.current()) == 1


def test_sources_are_settled_apart() -> None:
    problems = DraftingProblems()
    _round(problems, 1)
    tick = problems.begin("schedule")
    tick.failed("reminder:INV-1:level-2", TemplateProblem("no template for reminder"))
    tick.finish()
    problems.begin("schedule").finish()  # the schedule is fixed; the acknowledgements are not
    assert problems.current() == ["acknowledgements: no template for ack (looked for ack.en) (case 1)"]


def test_many_items_are_shown_by_their_first_three_and_counted() -> None:
    problems = DraftingProblems()
    _round(problems, *range(1, 13))
    assert problems.current()[0].endswith("(case 1, case 2, case 3, ...: 12 in all)")
