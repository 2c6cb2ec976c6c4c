"""`mailflow cases ...`: the case workflow from a terminal, on SQLite and PostgreSQL.

Each move is one line and one timeline event with who made it; a wrong move is one
line on stderr and exit status 2; agreeing a solution drafts the buyer's confirmation.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from mailflow.cli.main import main
from mailflow.config.rules import default_ruleset
from mailflow.drafts.store import Outbox
from mailflow.inbound.pipeline import process
from mailflow.inbound.recording import record_batch
from mailflow.review.accounts import Accounts
from mailflow.store.engine import Store
from tests.support.mail import buyer_mail
from tests.support.settings import write_settings

LIST_KEYS = {
    "id", "status", "owner", "responsibility", "solution", "severity", "categories", "customer", "opened_at",
    "due_at", "overdue",
}  # fmt: skip


@pytest.fixture
def config(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A complaint case (id 1) from Maria, and a reviewer named mei; the CLI acts as li."""
    path = write_settings(tmp_path, db_url, 1, "u", "p")
    store = Store(db_url)
    rules, own = replace(default_ruleset(), model="off"), frozenset({"sales@ningbo-homeware.example"})
    complaint = buyer_mail(
        "Crushed cartons, PO 4500123", "Container CSQU3054383: 14 cartons crushed.", message_id="<c@x>"
    )
    record_batch(store, "sales", "INBOX", 1, [process(1, complaint, rules, own)], {}, 1)
    Accounts(store).add("mei", "a long enough password")
    store.close()
    monkeypatch.setenv("MAILFLOW_REVIEWER", "li")
    return path


def cases(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--config", str(config), "cases", *args])
    out, err = capsys.readouterr()
    return code, out, err


def shown(config: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    code, out, err = cases(config, capsys, "show", "1", "--json")
    assert code == 0, err
    found: dict[str, object] = json.loads(out)
    return found


def solution_drafts(config: Path, db_url: str) -> list[dict[str, object]]:
    store = Store(db_url)
    try:
        return [draft for draft in Outbox(store).drafts() if draft["kind"] == "solution"]
    finally:
        store.close()


def test_a_case_is_assigned_assessed_agreed_started_and_resolved_with_its_timeline(
    config: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cases(config, capsys, "assign", "1", "--owner", "mei")[1] == "case 1: open\n"
    assert cases(config, capsys, "assess", "1", "--responsibility", "carrier")[1] == "case 1: assessed\n"
    code, out, err = cases(
        config, capsys, "agree", "1", "--solution", "refund", "--amount", "120.5", "--currency", "usd",
        "--due", "2026-12-15",
    )  # fmt: skip
    assert code == 0 and out.startswith("case 1: agreed; confirmation drafted (draft "), err
    assert cases(config, capsys, "start", "1")[1] == "case 1: in progress\n"
    assert cases(config, capsys, "note", "1", "Carrier claim filed, ref 88-1")[0] == 0
    assert "satisfaction check follows" in cases(config, capsys, "resolve", "1")[1]

    case = shown(config, capsys)
    assert (case["status"], case["owner"], case["responsibility"]) == ("resolved", "mei", "carrier")
    assert case["solution"] == {"kind": "refund", "amount": "120.50", "currency": "USD", "due": "2026-12-15"}
    assert case["note"] == "Carrier claim filed, ref 88-1"
    timeline = case["timeline"]
    assert isinstance(timeline, list)
    assert [(event["action"], event["actor"]) for event in timeline] == [
        ("assigned", "li"), ("assessed", "li"), ("agreed", "li"), ("started", "li"), ("noted", "li"),
        ("resolved", "li"),
    ]  # fmt: skip
    assert timeline[0]["detail"] == {"owner": "mei"}
    assert timeline[2]["detail"]["amount"] == "120.50"
    (draft,) = solution_drafts(config, db_url)
    assert draft["idempotency_key"] == "solution:case:1:1" and draft["status"] == "pending_review"
    assert draft["in_reply_to"] == "c@x" and draft["to"] == ["maria@harbor-imports.example"]
    assert "USD 120.50" in str(draft["body"]) and "2026-12-15" in str(draft["body"])


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("assign", "1", "--owner", "nobody"), "no reviewer named 'nobody'"),
        (("assess", "1", "--responsibility", "weather"), "unknown responsibility 'weather'"),
        (("agree", "1", "--solution", "refund", "--amount", "50"), "an amount needs its currency"),
        (("agree", "1", "--solution", "refund", "--due", "tomorrow"), "due date 'tomorrow' is not a date"),
        (("agree", "1", "--solution", "cash"), "unknown solution 'cash'"),
        (("start", "1"), "a case that is open cannot be started"),
        (("reopen", "1"), "a case that is open cannot be reopened"),
        (("resolve", "99"), "no case 99"),
        (("show", "99"), "no case 99"),
    ],
)
def test_a_wrong_move_is_one_line_and_exit_status_2(
    config: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], said: str
) -> None:
    """Exit status 2 for a move that is not allowed; 1 for an id that names no case, as elsewhere."""
    code, out, err = cases(config, capsys, *args)
    assert code == (1 if "no case" in said else 2) and out == ""
    assert err.splitlines() == [f"mailflow: error: {err.split('error: ', 1)[1].strip()}"] and said in err


def test_nothing_moves_a_resolved_case_but_reopen_which_is_on_the_timeline(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases(config, capsys, "resolve", "1")
    code, _, err = cases(config, capsys, "agree", "1", "--solution", "replacement")
    assert code == 2 and "a case that is resolved cannot be agreed" in err
    assert cases(config, capsys, "resolve", "1")[0] == 2
    assert cases(config, capsys, "reopen", "1")[:2] == (0, "case 1: open\n")
    case = shown(config, capsys)
    assert case["status"] == "open" and case["resolved_at"] is None
    assert [event["action"] for event in case["timeline"]] == ["resolved", "reopened"]  # type: ignore[attr-defined]


def test_the_same_solution_again_changes_nothing_and_a_changed_one_drafts_a_new_confirmation(
    config: Path, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    agree = ("agree", "1", "--solution", "credit_note", "--amount", "80", "--currency", "EUR")
    assert cases(config, capsys, *agree)[0] == 0
    assert cases(config, capsys, *agree)[1] == "case 1: this solution was agreed already; nothing changed\n"
    assert len(solution_drafts(config, db_url)) == 1
    assert (
        cases(
            config, capsys, "agree", "1", "--solution", "credit_note", "--amount", "95", "--currency", "EUR"
        )[0]
        == 0
    )
    keys = [draft["idempotency_key"] for draft in solution_drafts(config, db_url)]
    assert keys == ["solution:case:1:1", "solution:case:1:2"]
    agreed = [e for e in shown(config, capsys)["timeline"] if e["action"] == "agreed"]  # type: ignore[attr-defined]
    assert [event["detail"]["amount"] for event in agreed] == ["80.00", "95.00"]


def test_cases_list_json_carries_the_workflow_and_an_overdue_solution(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (fresh,) = json.loads(cases(config, capsys, "list", "--json")[1])
    assert set(fresh) >= LIST_KEYS
    assert (fresh["status"], fresh["owner"], fresh["solution"], fresh["due_at"], fresh["overdue"]) == (
        "open", None, None, None, False,
    )  # fmt: skip
    assert fresh["customer"] == "maria@harbor-imports.example" and fresh["categories"] == ["shipping"]
    with time_machine.travel(datetime(2026, 12, 10, 9, tzinfo=UTC), tick=False):
        cases(config, capsys, "agree", "1", "--solution", "replacement", "--due", "2026-12-15")
        (agreed,) = json.loads(cases(config, capsys, "list", "--json")[1])
    assert agreed["due_at"] == "2026-12-15" and agreed["overdue"] is False
    assert agreed["solution"] == {
        "kind": "replacement",
        "amount": None,
        "currency": None,
        "due": "2026-12-15",
    }
    with time_machine.travel(datetime(2026, 12, 16, 9, tzinfo=UTC), tick=False):
        (late,) = json.loads(cases(config, capsys, "list", "--json")[1])
        table = cases(config, capsys, "list")[1]
    assert late["overdue"] is True and "2026-12-15 OVERDUE" in table
