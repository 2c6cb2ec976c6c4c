"""Rows out of the reps' spreadsheets: CSV (any of , ; tab, UTF-8 with or without BOM) or XLSX;
and an empty sheet to start from (the headers and one example row).

An adapter (it reads and writes files); what the rows mean is ledger/sheet_records.py's business.
Header names are normalised ("Customer Email" -> customer_email) so the column
order and spelling of a hand-kept sheet do not matter.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from mailflow.errors import MailflowError
from mailflow.ledger.sheet_columns import Column, example_text

Row = dict[str, Any]


class UnreadableFile(MailflowError):
    pass


def normalised(header: object) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(header or "").strip().lower()).strip("_")


def read_rows(path: Path) -> Iterator[tuple[int, Row]]:
    """(row number as the sheet shows it, {column: value}); blank rows skipped."""
    if not path.exists():
        raise UnreadableFile(f"{path}: no such file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        yield from _xlsx_rows(path)
    elif path.suffix.lower() in (".csv", ".txt", ".tsv"):
        yield from _csv_rows(path)
    else:
        raise UnreadableFile(f"{path}: expected a .csv or .xlsx file")


def _csv_rows(path: Path) -> Iterator[tuple[int, Row]]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile(f"{path}: not UTF-8 text (save the sheet as 'CSV UTF-8')") from None
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(text.splitlines(), dialect)
    header = [normalised(name) for name in next(reader, [])]
    for number, values in enumerate(reader, start=2):
        if any(value.strip() for value in values):
            yield number, {name: value.strip() for name, value in zip(header, values, strict=False) if name}


def _xlsx_rows(path: Path) -> Iterator[tuple[int, Row]]:
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file
        raise UnreadableFile(f"{path}: not a readable XLSX file ({type(exc).__name__})") from None
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [normalised(name) for name in next(rows, ())]
        for number, values in enumerate(rows, start=2):
            if any(value not in (None, "") for value in values):
                yield (
                    number,
                    {
                        name: value.strip() if isinstance(value, str) else value
                        for name, value in zip(header, values, strict=False)
                        if name
                    },
                )
    finally:
        workbook.close()


def write_template(path: Path, columns: tuple[Column, ...]) -> None:
    """The sheet's headers and one example row: XLSX (typed dates and amounts) or, for .csv, UTF-8 CSV."""
    if path.suffix.lower() == ".csv":
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(column.name for column in columns)
        writer.writerow(example_text(column.example) for column in columns)
        path.write_text(text.getvalue(), encoding="utf-8-sig")  # the BOM: Excel then reads it as UTF-8
        return
    if path.suffix.lower() != ".xlsx":
        raise UnreadableFile(f"{path}: name it .xlsx or .csv")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([column.name for column in columns])
    sheet.append([column.example for column in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for cell in sheet[2]:
        if isinstance(cell.value, date):
            cell.number_format = "yyyy-mm-dd"
        elif isinstance(cell.value, Decimal):
            cell.number_format = "#,##0.00"
    for index, column in enumerate(columns, start=1):
        width = max(len(column.name), len(example_text(column.example))) + 2
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = width
    sheet.freeze_panes = "A2"  # the headers stay in view while the rep fills in rows
    workbook.save(path)
