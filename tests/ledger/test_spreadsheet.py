"""read_rows(): the reps' CSV and XLSX sheets as (row number, {normalised header: value})."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from mailflow.ledger.sheet_columns import INVOICE_COLUMNS
from mailflow.ledger.spreadsheet import UnreadableFile, normalised, read_rows, write_template


def _xlsx(path: Path, *rows: list[object]) -> Path:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    workbook.save(path)
    return path


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Customer Email", "customer_email"),
        (" E-Mail Address ", "e_mail_address"),
        ("Tel. (Mobile)", "tel_mobile"),
        (None, ""),
        (2024, "2024"),
    ],
)
def test_a_header_is_normalised_to_a_snake_case_name(header: object, expected: str) -> None:
    assert normalised(header) == expected


def test_a_utf8_csv_with_a_bom_gives_clean_headers_and_stripped_values(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes("\ufeffCustomer Email,Company Name\na@example.com, ACME \n".encode())
    assert list(read_rows(path)) == [(2, {"customer_email": "a@example.com", "company_name": "ACME"})]


def test_blank_csv_rows_are_skipped_but_still_counted(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("Email\na@example.com\n\n , \nb@example.com\n", encoding="utf-8")
    assert list(read_rows(path)) == [(2, {"email": "a@example.com"}), (5, {"email": "b@example.com"})]


def test_a_semicolon_separated_csv_is_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "kunden.csv"
    path.write_text("Name;Note\nMüller GmbH;buys 10,5 t\n", encoding="utf-8")
    assert list(read_rows(path)) == [(2, {"name": "Müller GmbH", "note": "buys 10,5 t"})]


def test_a_tab_separated_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "customers.tsv"
    path.write_text("Name\tEmail\nACME\ta@example.com\n", encoding="utf-8")
    assert list(read_rows(path)) == [(2, {"name": "ACME", "email": "a@example.com"})]


def test_quoted_csv_cells_keep_their_commas(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text('Name,Address\n"ACME, Inc.","1 Main St, Springfield"\n', encoding="utf-8")
    assert list(read_rows(path)) == [(2, {"name": "ACME, Inc.", "address": "1 Main St, Springfield"})]


def test_a_short_csv_row_gives_only_the_columns_it_has(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text("Name,Email,Country\nACME,a@example.com\n", encoding="utf-8")
    assert list(read_rows(path)) == [(2, {"name": "ACME", "email": "a@example.com"})]


def test_a_csv_that_is_not_utf8_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes("Name\nMüller\n".encode("cp1252"))
    with pytest.raises(UnreadableFile, match="not UTF-8 text"):
        list(read_rows(path))


def test_xlsx_rows_keep_typed_values_and_strip_text(tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "customers.xlsx",
        ["Customer Email", " Credit Limit ", "Since"],
        [" a@example.com ", 5000, date(2024, 1, 5)],
    )
    assert list(read_rows(path)) == [
        (2, {"customer_email": "a@example.com", "credit_limit": 5000, "since": datetime(2024, 1, 5)})
    ]


def test_xlsx_columns_without_a_header_are_dropped(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "customers.xlsx", ["Email", None], ["a@example.com", "scribble"])
    assert list(read_rows(path)) == [(2, {"email": "a@example.com"})]


def test_blank_xlsx_rows_are_skipped_but_still_counted(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "c.xlsx", ["Email"], ["a@example.com"], [None], [""], ["b@example.com"])
    assert list(read_rows(path)) == [(2, {"email": "a@example.com"}), (5, {"email": "b@example.com"})]


def test_a_damaged_xlsx_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "customers.xlsx"
    path.write_text("not a zip archive", encoding="utf-8")
    with pytest.raises(UnreadableFile, match="not a readable XLSX file"):
        list(read_rows(path))


def test_a_missing_file_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFile, match="no such file"):
        list(read_rows(tmp_path / "missing.csv"))


def test_an_unsupported_file_type_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "customers.ods"
    path.write_text("x", encoding="utf-8")
    with pytest.raises(UnreadableFile, match=r"expected a \.csv or \.xlsx file"):
        list(read_rows(path))


def test_a_template_has_typed_date_and_amount_cells_and_reads_back_as_its_example(tmp_path: Path) -> None:
    path = tmp_path / "invoices.xlsx"
    write_template(path, INVOICE_COLUMNS)
    sheet = load_workbook(path).active
    assert [cell.value for cell in sheet[1]] == [column.name for column in INVOICE_COLUMNS]
    cells = {column.name: cell for column, cell in zip(INVOICE_COLUMNS, sheet[2], strict=True)}
    assert cells["due"].is_date and cells["due"].number_format == "yyyy-mm-dd"  # Excel sorts and filters it
    assert isinstance(cells["amount"].value, (int, float)) and cells["amount"].number_format == "#,##0.00"
    ((number, row),) = list(read_rows(path))
    assert number == 2 and row["number"] == "INV-2041" and row["due"] == datetime(2026, 11, 30)
