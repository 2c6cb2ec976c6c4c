"""The columns of the customer and invoice sheets: the one list the importer, `--help`, the
`template` commands and the README's table are all made from. Pure data.

Names are as the importer sees them after ledger/spreadsheet.py normalised the
header ("Customer Email" -> customer_email), so each alias is written that way too.
Examples are one believable row; the two sheets' rows belong together (the
invoice is the customer's), so a written template imports back cleanly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    meaning: str
    example: str | date | Decimal  # a date or an amount is written to XLSX as a typed cell
    aliases: tuple[str, ...] = ()


CUSTOMER_COLUMNS = (
    Column("email", True, "the buyer's address; one row per address", "maria@harbor-imports.example",
           ("customer_email", "e_mail", "mail")),
    Column("name", False, "the contact person", "Maria Lopez"),
    Column("company", False, "the buyer's company", "Harbor Imports S.L."),
    Column("country", False, "two-letter code (ES, AE, CN...): weekends and holidays", "ES"),
    Column("language", False, "language code (en, zh, es...) of the mail we write", "es", ("lang",)),
    Column("timezone", False, "IANA zone (Europe/Madrid); empty: schedule.default_timezone", "Europe/Madrid",
           ("tz", "time_zone")),
    Column("class", False, "A, B or C; empty: worked out from annual_sales (70/20/10)", "",
           ("customer_class", "abc")),
    Column("annual_sales", False, "yearly sales to this buyer, one currency for all rows: sets the classes",
           Decimal("1200000.00"), ("sales",)),
    Column("opted_out", False, "yes: no customer updates; replies and reminders still go (yes/no, y/n, 1/0)", "no",
           ("opt_out", "optout", "unsubscribed")),
    Column("payment_days", False, "their payment run, days of the month (25 or 10,25; 31 = the month's last day): "
           "the before-due reminder arrives ahead of it", "10,25", ("payment_run", "pay_days", "settlement_days")),
    Column("credit_limit", False, "the most they may owe: an amount and its currency (50000 USD); invoices in "
           "other currencies do not count against it; empty: no limit", "50000 USD", ("limit",)),
)  # fmt: skip

INVOICE_COLUMNS = (
    Column("number", True, "the invoice number; importing it again updates it", "INV-2041",
           ("invoice", "invoice_number", "invoice_no")),
    Column("email", True, "the customer's address (import the customers first)", "maria@harbor-imports.example",
           ("customer_email", "e_mail", "mail")),
    Column("amount", True, "the invoice's total, more than 0", Decimal("12500.00")),
    Column("currency", True, "three-letter code (USD, EUR, CNY...)", "USD"),
    Column("issued", True, "issue date (YYYY-MM-DD or a date cell)", date(2026, 10, 1),
           ("issue_date", "issued_on", "date")),
    Column("due", True, "due date, not before issued; the reminders count from it", date(2026, 11, 30),
           ("due_date", "due_on")),
    Column("paid_amount", False, "paid so far; empty: 0", Decimal("2500.00"), ("paid",)),
    Column("paid_on", False, "the day it was paid in full", "", ("paid_date", "payment_date")),
    Column("order_ref", False, "the buyer's PO or contract number, quoted in reminders", "PO 4500123",
           ("order", "order_reference", "po")),
)  # fmt: skip

SHEETS = {"customers": CUSTOMER_COLUMNS, "invoices": INVOICE_COLUMNS}


def aliases(columns: tuple[Column, ...]) -> dict[str, str]:
    """{alias: column name} of one sheet."""
    return {alias: column.name for column in columns for alias in column.aliases}


def example_text(value: str | date | Decimal) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def describe(columns: tuple[Column, ...]) -> str:
    """The columns as `--help` lists them, one per line."""
    width = max(len(column.name) for column in columns)
    lines = []
    for column in columns:
        also = f" (also: {', '.join(column.aliases)})" if column.aliases else ""
        need = "required" if column.required else "optional"
        lines.append(f"  {column.name:<{width}}  {need}: {column.meaning}{also}")
    return "\n".join(lines)
