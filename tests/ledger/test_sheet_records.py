"""Spreadsheet rows -> records: each problem named by file, row and column; classes from sales."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from mailflow.ledger.customer_classes import abc_classes
from mailflow.ledger.sheet_records import customer_records, invoice_records


def test_good_customer_rows_become_records_with_every_field() -> None:
    rows = [
        (2, {"email": " Maria@Harbor-Imports.example ", "name": "Maria Lopez", "country": "es", "language": "es",
             "timezone": "Europe/Madrid", "class": "", "annual_sales": "1,200,000.50", "opted_out": "no"}),
        (3, {"e_mail": "ali@gulf-trading.example", "timezone": "Asia/Dubai", "opt_out": "yes", "abc": "b"}),
    ]  # fmt: skip
    records, errors = customer_records("customers.csv", rows)
    assert errors == []
    maria, ali = records
    assert (maria.email, maria.country, maria.annual_sales, maria.opted_out) == (
        "maria@harbor-imports.example", "ES", Decimal("1200000.50"), False,
    )  # fmt: skip
    assert (ali.class_set, ali.opted_out, ali.timezone) == ("B", True, "Asia/Dubai")


def test_every_bad_customer_cell_is_reported_with_its_row_and_column() -> None:
    rows = [
        (2, {"email": "not-an-address", "timezone": "Mars/Olympus", "class": "D", "annual_sales": "lots"}),
        (3, {"email": "a@b.example", "country": "Spain", "opted_out": "maybe"}),
        (4, {"email": "A@b.example"}),
    ]
    _, errors = customer_records("customers.csv", rows)
    found = {(e.row, e.column) for e in errors}
    assert found == {
        (2, "email"), (2, "timezone"), (2, "class"), (2, "annual_sales"),
        (3, "country"), (3, "opted_out"), (4, "email"),
    }  # fmt: skip
    assert str(errors[-1]) == "customers.csv: row 4, column email: a@b.example is also on row 3"


def test_invoice_rows_take_excel_dates_and_report_impossible_ones() -> None:
    good = {"number": "INV-2041", "email": "maria@harbor-imports.example", "amount": "12,500.00",
            "currency": "usd", "issued": datetime(2026, 10, 1), "due": "2026-11-30", "paid_amount": "2500"}  # fmt: skip
    bad = {"number": "INV-2042", "email": "maria@harbor-imports.example", "amount": "0", "currency": "dollars",
           "issued": "2026-10-01", "due": "2026-09-01", "paid_amount": "9"}  # fmt: skip
    records, errors = invoice_records("invoices.xlsx", [(2, good), (3, bad), (4, {"number": "INV-2041"})])
    (invoice,) = records
    assert (invoice.amount, invoice.currency, invoice.issued, invoice.paid_amount) == (
        Decimal("12500.00"), "USD", date(2026, 10, 1), Decimal("2500.00"),
    )  # fmt: skip
    found = {(e.row, e.column) for e in errors}
    assert {(3, "amount"), (3, "currency"), (3, "due"), (3, "paid_amount")} <= found
    assert {(4, "number"), (4, "amount"), (4, "email"), (4, "issued")} <= found


def test_classes_follow_the_share_of_sales_unless_set() -> None:
    sales = {
        "a": Decimal(700),
        "b": Decimal(150),
        "c": Decimal(60),
        "d": Decimal(50),
        "e": Decimal(40),
        "f": None,
    }
    assert abc_classes(sales) == {"a": "A", "b": "B", "c": "B", "d": "C", "e": "C", "f": "C"}
    assert abc_classes({"giant": Decimal(99), "small": Decimal(1)}) == {"giant": "A", "small": "C"}
