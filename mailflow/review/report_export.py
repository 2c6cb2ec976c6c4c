"""A report's tables as a spreadsheet for the reps: XLSX (a sheet per table) or UTF-8 CSV with a BOM.

No database here: the rows come from review/reports, already as the JSON shows them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

AMOUNT_COLUMNS = frozenset({"amount"})  # decimal strings in JSON, numbers in a sheet Excel can sum


@dataclass(frozen=True)
class Table:
    name: str  # the sheet's name: at most 31 characters, none of []:*?/\
    columns: tuple[str, ...]
    rows: Sequence[dict[str, Any]]


def write_csv(path: Path, tables: Sequence[Table]) -> None:
    """The tables one after another, each with its header row, an empty line between two."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    for index, table in enumerate(tables):
        if index:
            writer.writerow([])
        writer.writerow(table.columns)
        writer.writerows([_cell(row.get(column)) for column in table.columns] for row in table.rows)
    path.write_text(text.getvalue(), encoding="utf-8-sig")  # the BOM: Excel then reads it as UTF-8


def write_xlsx(path: Path, tables: Sequence[Table]) -> None:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        sheet = workbook.create_sheet(table.name)
        sheet.append(list(table.columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_value(column, row.get(column)) for column in table.columns])
        for index, column in enumerate(table.columns, start=1):
            cells = sheet[sheet.cell(1, index).column_letter]
            if column in AMOUNT_COLUMNS:
                for cell in cells[1:]:
                    cell.number_format = "#,##0.00"
            width = max(len(str(cell.value or "")) for cell in cells) + 2
            sheet.column_dimensions[sheet.cell(1, index).column_letter].width = width
        sheet.freeze_panes = "A2"  # the headers stay in view while the rep scrolls
    workbook.save(path)


def _value(column: str, value: Any) -> Any:
    if column in AMOUNT_COLUMNS and isinstance(value, str):
        return Decimal(value)
    return _cell(value) if isinstance(value, list) else value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return value
