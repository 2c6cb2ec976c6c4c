"""Spreadsheet rows -> customer and invoice records, every problem named by file, row and column. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mailflow.ledger.payment_runs import PaymentDaysError, parse_payment_days, payment_days_text
from mailflow.ledger.sheet_columns import CUSTOMER_COLUMNS, INVOICE_COLUMNS, aliases

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CUSTOMER_ALIASES = aliases(CUSTOMER_COLUMNS)
_INVOICE_ALIASES = aliases(INVOICE_COLUMNS)
_YES = {"yes", "y", "true", "1", "x", "是"}
_NO = {"no", "n", "false", "0", "", "否"}
# "50000 USD", "USD 50,000.00": an amount and a three-letter currency, either way round.
_LIMIT = re.compile(r"^(?:([A-Z]{3})\s*)?([0-9][0-9,. ]*)(?:\s*([A-Z]{3}))?$")


@dataclass(frozen=True)
class RowError:
    file: str
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: row {self.row}, column {self.column}: {self.reason}"


@dataclass(frozen=True)
class CustomerRecord:
    email: str
    name: str
    company: str
    country: str
    language: str
    timezone: str
    class_set: str
    annual_sales: Decimal | None
    opted_out: bool
    payment_days: str = ""  # "10,25": checked and normalised (ledger/payment_runs)
    credit_limit: Decimal | None = None
    credit_limit_currency: str = ""


@dataclass(frozen=True)
class InvoiceRecord:
    row: int
    number: str
    customer_email: str
    amount: Decimal
    currency: str
    issued: date
    due: date
    paid_amount: Decimal
    paid_on: date | None
    order_ref: str


def _amount(text: str) -> Decimal:
    """An amount as a sheet writes it ("50,000.5": commas and spaces group thousands), to the cent.
    Raises InvalidOperation."""
    return Decimal(text.replace(",", "").replace(" ", "")).quantize(Decimal("0.01"))


class _Row:
    """One row being read: each getter records what is wrong instead of raising."""

    def __init__(
        self, file: str, number: int, values: dict[str, Any], errors: list[RowError], names: dict[str, str]
    ) -> None:
        self.file, self.number, self.errors = file, number, errors
        self.values = {names.get(key, key): value for key, value in values.items()}

    def fail(self, column: str, reason: str) -> None:
        self.errors.append(RowError(self.file, self.number, column, reason))

    def text(self, column: str, required: bool = False) -> str:
        value = self.values.get(column)
        text = "" if value is None else str(value).strip()
        if required and not text:
            self.fail(column, "missing")
        return text

    def email(self, column: str) -> str:
        value = self.text(column, required=True).lower()
        if value and not _EMAIL.match(value):
            self.fail(column, f"not an email address: {value!r}")
        return value

    def money(self, column: str, required: bool = False) -> Decimal | None:
        raw = self.values.get(column)
        if raw is None or str(raw).strip() == "":
            if required:
                self.fail(column, "missing")
            return None
        try:
            value = _amount(str(raw))
        except InvalidOperation:
            self.fail(column, f"not an amount: {raw!r}")
            return None
        if value < 0:
            self.fail(column, "must not be negative")
        return value

    def day(self, column: str, required: bool = False) -> date | None:
        raw = self.values.get(column)
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        text = "" if raw is None else str(raw).strip()
        if not text:
            if required:
                self.fail(column, "missing")
            return None
        try:
            return date.fromisoformat(text.replace("/", "-"))
        except ValueError:
            self.fail(column, f"not a date (YYYY-MM-DD): {text!r}")
            return None

    def payment_days(self, column: str) -> str:
        raw = self.values.get(column)
        # A number cell (25 in XLSX) comes as a float.
        text = str(int(raw)) if isinstance(raw, float) and raw.is_integer() else self.text(column)
        try:
            return payment_days_text(parse_payment_days(text))
        except PaymentDaysError as exc:
            self.fail(column, str(exc))
            return ""

    def credit_limit(self, column: str) -> tuple[Decimal | None, str]:
        text = self.text(column).upper()
        if not text:
            return None, ""
        found = _LIMIT.match(text)
        before, after = (found.group(1), found.group(3)) if found else (None, None)
        if not found or bool(before) == bool(after):
            self.fail(column, f"expected an amount and its currency, like 50000 USD: {text!r}")
            return None, ""
        try:
            amount = _amount(found.group(2))
        except InvalidOperation:
            self.fail(column, f"not an amount: {text!r}")
            return None, ""
        return amount, before or after or ""

    def flag(self, column: str) -> bool:
        text = self.text(column).lower()
        if text not in _YES | _NO:
            self.fail(column, f"expected yes or no: {text!r}")
        return text in _YES


def customer_records(
    file: str, rows: Iterable[tuple[int, dict[str, Any]]]
) -> tuple[list[CustomerRecord], list[RowError]]:
    records: list[CustomerRecord] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, values in rows:
        row = _Row(file, number, values, errors, _CUSTOMER_ALIASES)
        email = row.email("email")
        if email in seen:
            row.fail("email", f"{email} is also on row {seen[email]}")
        seen.setdefault(email, number)
        country = row.text("country").upper()
        if country and not re.fullmatch(r"[A-Z]{2}", country):
            row.fail("country", f"expected a two-letter country code (CN, ES, AE...): {country!r}")
        language = row.text("language").lower()
        if language and not re.fullmatch(r"[a-z]{2,3}(?:[-_][a-z0-9]{2,8})?", language):
            row.fail("language", f"expected a language code (en, zh, es...): {language!r}")
        timezone = row.text("timezone")
        if timezone:
            try:
                ZoneInfo(timezone)
            except (ZoneInfoNotFoundError, ValueError):
                row.fail("timezone", f"unknown time zone (use names like Asia/Dubai): {timezone!r}")
        klass = row.text("class").upper()
        if klass not in ("", "A", "B", "C"):
            row.fail("class", f"expected A, B or C: {klass!r}")
        sales, opted_out = row.money("annual_sales"), row.flag("opted_out")
        name, company = row.text("name"), row.text("company")
        payment_days = row.payment_days("payment_days")
        limit, limit_currency = row.credit_limit("credit_limit")
        records.append(
            CustomerRecord(
                email, name, company, country, language, timezone, klass, sales, opted_out,
                payment_days, limit, limit_currency,
            )
        )  # fmt: skip
    return records, errors


def invoice_records(
    file: str, rows: Iterable[tuple[int, dict[str, Any]]]
) -> tuple[list[InvoiceRecord], list[RowError]]:
    records: list[InvoiceRecord] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, values in rows:
        before = len(errors)
        row = _Row(file, number, values, errors, _INVOICE_ALIASES)
        invoice = row.text("number", required=True)
        if invoice in seen:
            row.fail("number", f"{invoice} is also on row {seen[invoice]}")
        seen.setdefault(invoice, number)
        amount = row.money("amount", required=True)
        if amount is not None and amount == 0:
            row.fail("amount", "must be more than 0")
        currency = row.text("currency", required=True).upper()
        if currency and not re.fullmatch(r"[A-Z]{3}", currency):
            row.fail("currency", f"expected a currency code (USD, EUR, CNY...): {currency!r}")
        issued, due = row.day("issued", required=True), row.day("due", required=True)
        if issued and due and due < issued:
            row.fail("due", "is before the issue date")
        paid = row.money("paid_amount") or Decimal("0.00")
        if amount is not None and paid > amount:
            row.fail("paid_amount", f"more than the invoice's amount {amount}")
        email, paid_on, order_ref = row.email("email"), row.day("paid_on"), row.text("order_ref")
        if len(errors) == before and amount is not None and issued is not None and due is not None:
            records.append(
                InvoiceRecord(number, invoice, email, amount, currency, issued, due, paid, paid_on, order_ref)
            )
    return records, errors
