"""`mailflow customers import/template/list` and `mailflow invoices import/template/list/paid/resume/cancel`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mailflow.cli.output import command_group, print_rows, reviewer, with_json, write_new_file
from mailflow.errors import MailflowError
from mailflow.ledger.sheet_columns import SHEETS, describe

if TYPE_CHECKING:
    from mailflow.config.settings import Settings
    from mailflow.store.engine import Store

CUSTOMER_COLUMNS = (
    "email", "name", "company", "country", "language", "timezone", "class", "opted_out", "payment_days",
    "credit_limit", "credit_hold_reason",
)  # fmt: skip
INVOICE_COLUMNS = (
    "number",
    "customer",
    "amount",
    "currency",
    "due",
    "paid_amount",
    "balance",
    "status",
    "hold",
)


def add_parsers(commands: Any) -> None:
    customers = command_group(
        commands, "customers", "the customer list (CSV or XLSX)", with_store=customers_command
    )
    _import_action(customers, "customers")
    with_json(customers.add_parser("list", help="customers with their class"))

    invoices = command_group(
        commands, "invoices", "invoices (CSV or XLSX) and payments", with_store=invoices_command
    )
    _import_action(invoices, "invoices")
    listing = with_json(invoices.add_parser("list", help="invoices with their balance"))
    listing.add_argument("--open", action="store_true", help="only what is still to be paid")
    paid = invoices.add_parser("paid", help="record a payment (the whole balance without --amount)")
    paid.add_argument("number", help="the invoice number")
    paid.add_argument("--amount", help="a partial payment, in the invoice's currency")
    paid.add_argument("--on", help="the day the money arrived (YYYY-MM-DD; default today)")
    resume = invoices.add_parser("resume", help="clear a hold: the reminders go on as scheduled")
    resume.add_argument("number", help="the invoice number")
    cancel = invoices.add_parser("cancel", help="it will not be paid: no more reminders for it")
    cancel.add_argument("number", help="the invoice number")
    cancel.add_argument(
        "--reason", default="", help="why (a credit note, a mistake), for the drafts' history"
    )


def _import_action(group: Any, sheet: str) -> None:
    """`import FILE` and `template FILE`, both listing the sheet's columns (ledger/sheet_columns.py)."""
    columns = (
        f"columns (named in the first row, any order; case, spaces and other columns do not matter):\n"
        f"{describe(SHEETS[sheet])}"
    )
    raw = argparse.RawDescriptionHelpFormatter  # keeps the column list one line per column
    group.add_parser(
        "import", help="all rows or none; again: no change", epilog=columns, formatter_class=raw
    ).add_argument("file", help="a CSV or XLSX file")
    template = group.add_parser(
        "template", help="write an empty sheet: the headers and one example row", epilog=columns,
        formatter_class=raw,
    )  # fmt: skip
    template.add_argument("file", help="the file to write: .xlsx, or .csv for CSV")
    template.add_argument("--force", action="store_true", help="overwrite an existing file")
    template.set_defaults(plain=template_command, sheet=sheet)


def template_command(args: argparse.Namespace) -> int:
    from mailflow.ledger.spreadsheet import write_template

    path = Path(args.file)
    write_new_file(path, args.force, lambda target: write_template(target, SHEETS[args.sheet]))
    print(f"wrote {path}: the {args.sheet} columns and one example row; replace the example with yours")
    return 0


def customers_command(args: argparse.Namespace, settings: Settings, store: Store) -> int:
    from mailflow.ledger.sheet_records import customer_records
    from mailflow.ledger.store import ImportRefused, Ledger

    ledger = Ledger(store)
    if args.action == "list":
        return print_rows(ledger.customers(), args.json, CUSTOMER_COLUMNS)
    records, errors = customer_records(args.file, _rows_with_progress(Path(args.file)))
    if errors:
        raise ImportRefused(errors)
    print(f"{args.file}: customers {ledger.import_customers(records)}")
    _credit_holds(settings, store)
    return 0


def invoices_command(args: argparse.Namespace, settings: Settings, store: Store) -> int:
    from mailflow.ledger.sheet_records import invoice_records
    from mailflow.ledger.store import ImportRefused, Ledger

    ledger = Ledger(store)
    if args.action == "list":
        return print_rows(ledger.invoices(open_only=args.open), args.json, INVOICE_COLUMNS)
    if args.action == "paid":
        invoice = ledger.record_payment(args.number, _amount(args.amount), _day(args.on), reviewer())
        print(
            f"invoice {invoice['number']}: paid {invoice['paid_amount']}, balance {invoice['balance']}"
            + _reminders_cancelled(invoice["reminders_cancelled"])
        )
        _credit_holds(settings, store)
        return 0
    if args.action == "cancel":
        cancelled = ledger.cancel(args.number, reviewer(), " ".join(args.reason.split()))
        print(f"invoice {args.number}: cancelled" + _reminders_cancelled(cancelled))
        _credit_holds(settings, store)
        return 0
    if args.action == "resume":
        held = ledger.resume(args.number)
        print(f"invoice {args.number}: " + (f"hold cleared ({held})" if held else "was not held"))
        return 0
    records, errors = invoice_records(args.file, _rows_with_progress(Path(args.file)))
    if errors:
        raise ImportRefused(errors)
    days = settings.schedule.hold_from_messages_days
    since = datetime.now(UTC) - timedelta(days=days) if days else None
    print(f"{args.file}: invoices {ledger.import_invoices(args.file, records, messages_since=since)}")
    _credit_holds(settings, store)
    return 0


def _credit_holds(settings: Settings, store: Store) -> None:
    """What the change did to the credit holds, at once: a payment that clears a hold ends it now."""
    from mailflow.drafts.headers import UnsafeHeader
    from mailflow.schedule.hold_notices import HoldNotices

    try:
        changes = HoldNotices(settings, store).evaluate()
    except (MailflowError, UnsafeHeader) as exc:  # stored already; the next schedule tick tries again
        print(f"credit holds not re-evaluated: {exc}", file=sys.stderr)
        return
    for change in changes:
        state = "on credit hold" if change.started else "off credit hold"
        print(f"customer {change.email}: {state} ({change.reason})")


def _reminders_cancelled(count: int) -> str:
    return f"; {count} waiting reminder draft(s) cancelled" if count else ""


def _rows_with_progress(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from mailflow.ledger.spreadsheet import read_rows

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, transient=True, disable=not sys.stderr.isatty()) as progress:
        task = progress.add_task(f"reading {path.name}", total=None)
        for row in read_rows(path):
            progress.advance(task)
            yield row


def _amount(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise MailflowError(f"not an amount: {text!r}") from None


def _day(text: str | None) -> date:
    if not text:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise MailflowError(f"not a date (YYYY-MM-DD): {text!r}") from None
