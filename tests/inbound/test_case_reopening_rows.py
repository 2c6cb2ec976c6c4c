"""Whether a buyer's message reopens a resolved case, opens a new one or only joins it. No database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from mailflow.config.rules import default_ruleset
from mailflow.inbound.batch_rows import CaseRow, CustomerRow, case_for
from mailflow.inbound.pipeline import Arrival, Processed, process
from tests.support.mail import buyer_mail

RULES = replace(default_ruleset(), model="off")
OWN = frozenset({"sales@ningbo-homeware.example"})
RESOLVED = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
WITHIN = timedelta(days=14)
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


def test_history_and_a_zero_window_never_reopen() -> None:
    old = _resolved_case()
    assert (
        case_for(_mail(COMPLAINT, RESOLVED + timedelta(days=1), history=True), MARIA, old, WITHIN) is not old
    )
    off = _resolved_case()
    assert case_for(_mail(COMPLAINT, RESOLVED + timedelta(days=1)), MARIA, off, timedelta(0)) is not off
    assert (old.status, off.status) == ("resolved", "resolved")
