"""The customer sheet's payment_days and credit_limit: read, normalised, and bad cells named per row."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from mailflow.ledger.sheet_records import customer_records
from tests.support.cli import run_mailflow
from tests.support.settings import write_settings


def test_payment_days_and_a_credit_limit_with_its_currency_are_read() -> None:
    rows = [
        (2, {"email": "a@importer.example", "payment_days": "25, 10", "credit_limit": "50,000 usd"}),
        (3, {"email": "b@importer.example", "payment_run": 25.0, "limit": "EUR 12000.5"}),  # an XLSX number
        (4, {"email": "c@importer.example"}),
    ]
    (a, b, c), errors = customer_records("customers.xlsx", rows)
    assert errors == []
    assert (a.payment_days, a.credit_limit, a.credit_limit_currency) == ("10,25", Decimal("50000.00"), "USD")
    assert (b.payment_days, b.credit_limit, b.credit_limit_currency) == ("25", Decimal("12000.50"), "EUR")
    assert (c.payment_days, c.credit_limit, c.credit_limit_currency) == ("", None, "")


def test_bad_payment_days_and_credit_limits_are_errors_of_their_row() -> None:
    rows = [
        (2, {"email": "a@importer.example", "payment_days": "32", "credit_limit": "50000"}),
        (3, {"email": "b@importer.example", "payment_days": "every friday", "credit_limit": "-5 USD"}),
        (4, {"email": "c@importer.example", "credit_limit": "USD 5 EUR"}),
    ]
    _, errors = customer_records("customers.csv", rows)
    assert [str(error) for error in errors] == [
        "customers.csv: row 2, column payment_days: expected days of the month 1 to 31, like 25 or 10,25: '32'",
        "customers.csv: row 2, column credit_limit: expected an amount and its currency, like 50000 USD: '50000'",
        "customers.csv: row 3, column payment_days: expected days of the month 1 to 31, like 25 or 10,25: "
        "'every friday'",
        "customers.csv: row 3, column credit_limit: expected an amount and its currency, like 50000 USD: '-5 USD'",
        "customers.csv: row 4, column credit_limit: expected an amount and its currency, like 50000 USD: "
        "'USD 5 EUR'",
    ]


def test_an_import_with_a_bad_cell_exits_non_zero_with_the_row_and_imports_nothing(
    tmp_path: Path, db_url: str
) -> None:
    path = write_settings(tmp_path, db_url, 1, "u", "p")
    sheet = tmp_path / "customers.csv"
    sheet.write_text("email,payment_days\na@importer.example,25\nb@importer.example,0\n", encoding="utf-8")
    done = run_mailflow(path, "customers", "import", str(sheet))
    assert done.returncode != 0
    assert "row 3, column payment_days: expected days of the month 1 to 31" in done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    listed = run_mailflow(path, "customers", "list", "--json")
    assert listed.stdout.strip() == "[]"
