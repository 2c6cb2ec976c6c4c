"""`mailflow report overview|ageing|response-times|neglected|complaints`: the manager's figures.

A table for people, `--json` for scripts (the contracts in the README), or
`--xlsx`/`--csv` for the reps' spreadsheets; the figures are review/reports'.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mailflow.cli.output import command_group, format_table, write_new_file
from mailflow.errors import MailflowError

if TYPE_CHECKING:
    from mailflow.config.settings import Settings
    from mailflow.review.report_export import Table
    from mailflow.store.engine import Store

RESPONSE_TIMES_CONTRACT = ("week", "complaints", "answered", "median_hours", "p90_hours")
COLUMNS = {
    "overview": ("figure", "value"),
    "ageing": ("currency", "bucket", "amount", "invoices"),
    "response-times": (*RESPONSE_TIMES_CONTRACT, "within_target"),
    "neglected": ("customer", "class", "last_contact_at", "cadence_days", "days_overdue"),
    "weeks": ("week", "category", "complaints"),
    "customers": ("customer", "complaints"),
}


def add_parsers(commands: Any) -> None:
    report = command_group(commands, "report", "the manager's figures", with_store=report_command)
    _outputs(report.add_parser("overview", help="what needs a person now"))
    ageing = _outputs(report.add_parser("ageing", help="open balances per currency by days past due"))
    ageing.add_argument(
        "--to",
        type=_day,
        metavar="DATE",
        help="count the days past due on this day (default: today on each customer's clock)",
    )
    for name, summary in (
        ("response-times", "time to our first answer to complaints, per week"),
        ("complaints", "complaints per week by category, and the customers with the most"),
    ):
        period = _outputs(report.add_parser(name, help=summary))
        period.add_argument(
            "--from", dest="first", type=_day, metavar="DATE", help="the first day (default: 8 weeks back)"
        )
        period.add_argument("--to", type=_day, metavar="DATE", help="the last day (default today)")
    neglected = _outputs(
        report.add_parser("neglected", help="listed customers not contacted within their class's cadence")
    )
    neglected.add_argument("--to", type=_day, metavar="DATE", help="as of the end of this day (default now)")


def _outputs(parser: Any) -> Any:
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--json", action="store_true", help="JSON instead of a table")
    choice.add_argument("--xlsx", metavar="FILE", type=Path, help="write the rows to an Excel file")
    choice.add_argument("--csv", metavar="FILE", type=Path, help="write the rows to a CSV file (UTF-8)")
    parser.add_argument("--force", action="store_true", help="overwrite the --xlsx or --csv file")
    return parser


def report_command(args: argparse.Namespace, settings: Settings, store: Store) -> int:
    from mailflow.review.report_figures import as_of, default_period
    from mailflow.review.reports import ReportQueries

    # The same figures as the overview page: the same time zone for customers without one, the same target.
    queries, now = ReportQueries(store, settings.schedule.default_timezone), datetime.now(UTC)
    found: Any
    if args.action == "overview":
        found = queries.overview(now)
    elif args.action == "ageing":
        found = queries.ageing(args.to, now)
    elif args.action == "neglected":
        found = queries.neglected(settings.schedule.cadence, *as_of(now, args.to))
    else:
        if args.first and args.to and args.first > args.to:
            raise MailflowError(f"--from {args.first} is after --to {args.to}")
        period = default_period(now.date(), args.first, args.to)
        found = (
            queries.response_times(period, settings.reports.answer_target_business_days)
            if args.action == "response-times"
            else queries.complaints(period)
        )
    if args.json:
        if args.action == "response-times":  # exactly the contract; the table also says within_target
            found = [{key: row[key] for key in RESPONSE_TIMES_CONTRACT} for row in found]
        json.dump(found, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    tables = _tables(args.action, found)
    if args.xlsx or args.csv:
        return _export(args.xlsx or args.csv, tables, as_xlsx=bool(args.xlsx), force=args.force)
    print("\n\n".join(format_table(list(table.rows), table.columns) for table in tables))
    return 0


def _tables(action: str, found: Any) -> list[Table]:
    from mailflow.review.report_export import Table

    if action == "overview":
        rows = [{"figure": name, "value": value} for name, value in found.items() if name != "open_cases"]
        rows[2:2] = [{"figure": f"open_cases.{key}", "value": n} for key, n in found["open_cases"].items()]
        return [Table(action, COLUMNS[action], rows)]
    if action == "complaints":
        return [Table(name, COLUMNS[name], found[name]) for name in ("weeks", "customers")]
    return [Table(action, COLUMNS[action], found)]


def _export(path: Path, tables: list[Table], as_xlsx: bool, force: bool) -> int:
    from mailflow.review.report_export import write_csv, write_xlsx

    write_new_file(path, force, lambda target: (write_xlsx if as_xlsx else write_csv)(target, tables))
    print(f"wrote {path}: {sum(len(table.rows) for table in tables)} rows")
    return 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None
