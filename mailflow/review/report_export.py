"""A report's tables as a spreadsheet for the reps: XLSX (a sheet per table) or UTF-8 CSV with a BOM.

No database here: the rows come from review/reports (already as the JSON shows them) and from
review/lists (the review page's downloads), where buyer text (subjects, names) is in the cells.
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
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

AMOUNT_COLUMNS = frozenset({"amount", "balance"})  # decimal strings in JSON, numbers in a sheet Excel can sum
# A CSV cell of buyer text that starts like this would be a formula in Excel: it gets a leading quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Table:
    name: str  # the sheet's name: at most 31 characters, none of []:*?/\
    columns: tuple[str, ...]
    rows: Sequence[dict[str, Any]]


def write_csv(path: Path, tables: Sequence[Table]) -> None:
    path.write_bytes(csv_bytes(tables))


def write_xlsx(path: Path, tables: Sequence[Table]) -> None:
    path.write_bytes(xlsx_bytes(tables))


def csv_bytes(tables: Sequence[Table]) -> bytes:
    """The tables one after another, each with its header row, an empty line between two."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    for index, table in enumerate(tables):
        if index:
            writer.writerow([])
        writer.writerow(table.columns)
        writer.writerows([_text(_cell(row.get(column))) for column in table.columns] for row in table.rows)
    return text.getvalue().encode("utf-8-sig")  # the BOM: Excel then reads it as UTF-8


def xlsx_bytes(tables: Sequence[Table]) -> bytes:
    """Written row by row (openpyxl's write-only mode): a list of 30,000 invoices takes seconds, not minutes."""
    workbook = Workbook(write_only=True)
    for table in tables:
        sheet = workbook.create_sheet(table.name)
        rows = [[_value(column, row.get(column)) for column in table.columns] for row in table.rows]
        for index, column in enumerate(table.columns):
            width = max([len(column), *(len(str(values[index] or "")) for values in rows)]) + 2
            sheet.column_dimensions[get_column_letter(index + 1)].width = width
        sheet.freeze_panes = "A2"  # the headers stay in view while the rep scrolls
        sheet.append([_styled(sheet, column, font=Font(bold=True)) for column in table.columns])
        amounts = [column in AMOUNT_COLUMNS for column in table.columns]
        for values in rows:
            sheet.append(
                [
                    _styled(sheet, value, number_format="#,##0.00") if amount else _as_text(sheet, value)
                    for value, amount in zip(values, amounts, strict=True)
                ]
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _styled(sheet: Any, value: Any, **style: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    for name, setting in style.items():
        setattr(cell, name, setting)
    return cell


def _as_text(sheet: Any, value: Any) -> Any:
    """Text that starts with "=" (a buyer's subject) stays text: openpyxl would write it as a formula."""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def _value(column: str, value: Any) -> Any:
    if column in AMOUNT_COLUMNS and isinstance(value, str):
        return Decimal(value)
    value = _cell(value) if isinstance(value, list) else value
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value  # openpyxl refuses them


def _text(value: Any) -> Any:
    """A CSV cell that Excel would run as a formula, quoted; numbers written as text stay as they are."""
    if not isinstance(value, str) or not value.startswith(_FORMULA_STARTS):
        return value
    try:
        Decimal(value)
    except ArithmeticError:
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return value
