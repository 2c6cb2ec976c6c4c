"""Rows out of the reps' spreadsheets: CSV (any of , ; tab, UTF-8 with or without BOM) or XLSX.

An adapter (it reads a file); what the rows mean is ledger/sheet_records.py's business.
Header names are normalised ("Customer Email" -> customer_email) so the column
order and spelling of a hand-kept sheet do not matter.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from mailflow.errors import MailflowError

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
