"""Whether a buyer's message reopens a resolved case, opens a new one or only joins it. No database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from mailflow.config.cases import CaseSettings
from mailflow.config.rules import default_ruleset
from mailflow.inbound.batch_rows import CaseRow, CustomerRow, case_for
from mailflow.inbound.pipeline import Arrival, Processed, process
from tests.support.mail import buyer_mail

RULES = replace(default_ruleset(), model="off")
OWN = frozenset({"sales@ningbo-homeware.example"})
RESOLVED = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
WITHIN = CaseSettings(reopen_days=14)
MARIA = CustomerRow(
    "maria@harbor-imports.example", "Maria", "harbor-imports.example", "harbor-imports.example", id=3
)


def _mail(body: str, arrived: datetime, history: bool = False) -> Processed:
    result = process(
        1, buyer_mail("Re: Crushed cartons", body), RULES, OWN, arrival=Arrival(arrived, history)
    )
    assert isinstance(result, Processed)
    return result


def _resolved_case() -> CaseRow:
    return CaseRow(
        MARIA, "Crushed cartons", ["shipping"], "medium", id=7, status="resolved", resolved_at=RESOLVED
    )


COMPLAINT = "The cartons arrived crushed again, the damage is not solved."


def test_a_complaint_five_days_after_the_resolution_reopens_the_case() -> None:
    case = _resolved_case()
    mail = _mail(COMPLAINT, RESOLVED + timedelta(days=5))
    assert case_for(mail, MARIA, case, WITHIN) is case
    assert (case.status, case.reopening, case.reopened_by) == ("open", True, mail.mail.message_id)


def test_a_complaint_twenty_days_after_opens_a_new_case_and_leaves_the_old_one_resolved() -> None:
    case = _resolved_case()
    new = case_for(_mail(COMPLAINT, RESOLVED + timedelta(days=20)), MARIA, case, WITHIN)
    assert new is not None and new is not case and new.id is None and new.categories == ["shipping"]
    assert (case.status, case.reopening) == ("resolved", False)


def test_thanks_on_a_resolved_case_joins_it_without_reopening() -> None:
    case = _resolved_case()
    assert (
        case_for(_mail("Thank you, all good now.", RESOLVED + timedelta(days=2)), MARIA, case, WITHIN) is case
    )
    assert (case.status, case.reopening) == ("resolved", False)


def test_history_stays_with_its_closed_case_and_a_zero_window_never_reopens() -> None:
    old = _resolved_case()
    assert case_for(_mail(COMPLAINT, RESOLVED + timedelta(days=1), history=True), MARIA, old, WITHIN) is old
    off = _resolved_case()
    assert case_for(_mail(COMPLAINT, RESOLVED + timedelta(days=1)), MARIA, off, CaseSettings(0)) is not off
    assert (old.status, old.reopening, off.status) == ("resolved", False, "resolved")


NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def test_a_history_complaint_older_than_the_limit_opens_its_case_closed_when_the_buyer_wrote() -> None:
    wrote = NOW - timedelta(days=31)
    case = case_for(
        _mail(COMPLAINT, wrote, history=True), MARIA, None, CaseSettings(history_open_days=30), NOW
    )
    assert case is not None and case.id is None
    assert (case.status, case.opened_at, case.resolved_at) == ("resolved", wrote, None)
    assert "history" in case.closed_reason and "30 days" in case.closed_reason


def test_recent_history_and_a_zero_limit_open_the_case_and_new_mail_opens_it_now() -> None:
    recent = NOW - timedelta(days=29)
    case = case_for(
        _mail(COMPLAINT, recent, history=True), MARIA, None, CaseSettings(history_open_days=30), NOW
    )
    assert case is not None and (case.status, case.opened_at, case.closed_reason) == ("open", recent, "")
    old = NOW - timedelta(days=400)
    kept = case_for(_mail(COMPLAINT, old, history=True), MARIA, None, CaseSettings(history_open_days=0), NOW)
    assert kept is not None and (kept.status, kept.opened_at) == ("open", old)
    live = case_for(_mail(COMPLAINT, NOW), MARIA, None, CaseSettings(history_open_days=30), NOW)
    assert live is not None and (live.status, live.opened_at) == ("open", None)
