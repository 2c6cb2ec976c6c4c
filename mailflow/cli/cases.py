"""`mailflow cases ...`: complaint cases and their workflow, from a terminal.

open -> acknowledged -> assessed -> agreed -> in_progress -> resolved (inbound/case_states);
each command is one move, made by the person acting ($MAILFLOW_REVIEWER, else the login
name) and written to the case's timeline. A move the case does not allow, an unknown
owner or a malformed amount or date is one line and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mailflow.cli.output import command_group, one_line, print_rows, reviewer, shown, with_json

if TYPE_CHECKING:
    from mailflow.config.settings import Settings
    from mailflow.review.case_moves import Moved
    from mailflow.store.engine import Store

CASE_COLUMNS = (
    "id",
    "customer",
    "status",
    "owner",
    "severity",
    "categories",
    "solution",
    "due_at",
    "subject",
)


def add_parsers(commands: Any) -> None:
    cases = command_group(commands, "cases", "complaint cases and their workflow", with_store=cases_command)
    with_json(cases.add_parser("list", help="every case; a solution past its due date shows as overdue"))
    with_json(_with_id(cases.add_parser("show", help="one case with its timeline and messages")))
    _with_id(cases.add_parser("assign", help="give the case an owner (a reviewer)")).add_argument(
        "--owner", required=True, metavar="NAME", help="a reviewer's name (mailflow reviewers list)"
    )
    _with_id(cases.add_parser("assess", help="say who is responsible")).add_argument(
        "--responsibility",
        required=True,
        metavar="WHO",
        help="production, packing, carrier, buyer or undetermined",
    )
    agree = _with_id(
        cases.add_parser("agree", help="the solution agreed with the buyer; drafts their confirmation")
    )
    agree.add_argument(
        "--solution",
        required=True,
        metavar="KIND",
        help="replacement, refund, credit_note, discount, repair or none",
    )
    agree.add_argument("--amount", default="", help="how much (only with --currency)")
    agree.add_argument("--currency", default="", help="the amount's ISO 4217 code: USD, EUR, CNY")
    agree.add_argument("--due", default="", metavar="YYYY-MM-DD", help="when we carry it out by")
    _with_id(cases.add_parser("start", help="the agreed solution is being carried out"))
    _with_id(cases.add_parser("resolve", help="the complaint is settled; a satisfaction check follows"))
    _with_id(cases.add_parser("reopen", help="a resolved case is not settled after all"))
    _with_id(cases.add_parser("note", help="a short internal note (replaces the last)")).add_argument(
        "text", help="up to 500 characters; the buyer never sees it"
    )


def _with_id(parser: Any) -> Any:
    parser.add_argument("id", type=int, help="the case's id (cases list)")
    return parser


def cases_command(args: argparse.Namespace, settings: Settings, store: Store) -> int:
    from mailflow.review.case_views import CaseViews

    now = datetime.now(UTC)
    views = CaseViews(store, settings.schedule.default_timezone)
    if args.action == "list":
        rows = views.cases(now)
        if not args.json:
            rows = [{**row, "solution": _solution_text(row), "due_at": _due_text(row)} for row in rows]
        return print_rows(rows, args.json, CASE_COLUMNS)
    if args.action == "show":
        return _show(views.case(args.id, now), args.id, args.json)
    moved = _move(args, settings, store, now)
    print(_said(args.action, moved))
    return 0


def _move(args: argparse.Namespace, settings: Settings, store: Store, now: datetime) -> Moved:
    from mailflow.inbound.case_states import solution_from
    from mailflow.review.case_moves import CaseDesk

    desk, actor = CaseDesk(store, settings), reviewer()
    given: dict[str, Callable[[], tuple[Any, ...]]] = {
        "assign": lambda: (args.owner,),
        "assess": lambda: (args.responsibility,),
        "agree": lambda: (solution_from(args.solution, args.amount, args.currency, args.due),),
        "note": lambda: (args.text,),
    }
    what = given.get(args.action, tuple)()
    moved: Moved = getattr(desk, args.action)(args.id, *what, actor, now)
    return moved


def _said(action: str, moved: Moved) -> str:
    status = moved.status.replace("_", " ")
    if action == "agree" and not moved.changed:
        return f"case {moved.case_id}: this solution was agreed already; nothing changed"
    if action == "agree":
        drafted = (
            f"; confirmation drafted (draft {moved.draft_id})"
            if moved.draft_id
            else "; no confirmation drafted"
        )
        return f"case {moved.case_id}: {status}{drafted}"
    if action == "resolve":
        return f"case {moved.case_id} resolved; a satisfaction check follows as scheduled"
    return f"case {moved.case_id}: {status}"


def _solution_text(row: dict[str, Any]) -> str:
    solution = row["solution"]
    if solution is None:
        return ""
    amount = f" {solution['amount']} {solution['currency']}" if solution["amount"] else ""
    return f"{solution['kind']}{amount}"


def _due_text(row: dict[str, Any]) -> str:
    return f"{row['due_at']} OVERDUE" if row["overdue"] else row["due_at"] or ""


def _show(case: dict[str, Any] | None, case_id: int, as_json: bool) -> int:
    from mailflow.inbound.case_states import CaseNotFound

    if case is None:
        raise CaseNotFound(f"no case {case_id}")
    if as_json:
        json.dump(case, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    for name in ("id", "customer", "subject", "status", "owner", "responsibility", "severity", "categories"):
        print(_line(f"{name}: {shown(case[name])}").strip())
    print(f"solution: {_solution_text(case)}{' due ' + _due_text(case) if case['due_at'] else ''}")
    print(_line(f"note: {case['note']}").strip())
    print("timeline:")
    for event in case["timeline"]:
        detail = ", ".join(f"{key}={value}" for key, value in event["detail"].items() if value is not None)
        print(_line(f"  {shown(event['at'])}  {event['actor']}  {event['action']}  {detail}"))
    print("messages:")
    for message in case["messages"]:
        print(
            _line(
                f"  {shown(message['at'])}  {message['direction']}  {message['sender']}  {message['subject']}"
            )
        )
    return 0


def _line(text: str) -> str:
    return "  " + one_line(text)
