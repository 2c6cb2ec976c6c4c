"""Customer and invoice imports (CSV and XLSX), payments and lists, through the CLI on both databases."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from openpyxl import Workbook

from tests.support.cli import run_mailflow
from tests.support.settings import write_settings

CUSTOMERS = """Email,Name,Company,Country,Language,Timezone,Class,Annual Sales,Opt-out
maria@harbor-imports.example,Maria Lopez,Harbor Imports,ES,es,Europe/Madrid,,900000,no
ali@gulf-trading.example,Ali Hassan,Gulf Trading,AE,en,Asia/Dubai,,80000,no
lihua@huamei-home.example,李华,华美家居,CN,zh,Asia/Shanghai,A,,no
"""


def _invoices_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        ["Invoice Number", "Customer Email", "Amount", "Currency", "Issued", "Due", "Paid Amount", "Order"]
    )
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_imports_are_all_or_nothing_and_idempotent_then_payments_reduce_the_balance(
    tmp_path: Path, db_url: str
) -> None:
    settings = write_settings(tmp_path, db_url, 1, "u", "p")
    customers = tmp_path / "customers.csv"
    customers.write_text(CUSTOMERS, encoding="utf-8-sig")  # Excel's "CSV UTF-8" has a BOM
    first = run_mailflow(settings, "customers", "import", str(customers))
    assert first.returncode == 0, first.stderr
    assert "3 added, 0 updated, 0 unchanged" in first.stdout
    again = run_mailflow(settings, "customers", "import", str(customers))
    assert "0 added, 0 updated, 3 unchanged" in again.stdout
    listed = {c["email"]: c for c in json.loads(run_mailflow(settings, "customers", "list", "--json").stdout)}
    assert listed["maria@harbor-imports.example"]["class"] == "A"
    assert listed["ali@gulf-trading.example"]["class"] == "C"  # the last 10 % of sales
    assert listed["lihua@huamei-home.example"]["class"] == "A"  # set in the file

    broken = tmp_path / "broken.xlsx"
    _invoices_xlsx(broken, [
        ["INV-1", "maria@harbor-imports.example", 12500, "USD", date(2026, 10, 1), date(2026, 11, 30), 0, "PO 4500123"],
        ["INV-2", "nobody@unknown.example", 100, "EUR", date(2026, 10, 1), date(2026, 10, 31), 0, ""],
        ["INV-3", "ali@gulf-trading.example", "abc", "AED", "2026-10-01", "2026-10-31", 0, ""],
    ])  # fmt: skip
    refused = run_mailflow(settings, "invoices", "import", str(broken))
    assert refused.returncode == 1 and "nothing was imported" in refused.stderr
    assert f"{broken}: row 4, column amount: not an amount: 'abc'" in refused.stderr
    assert json.loads(run_mailflow(settings, "invoices", "list", "--json").stdout) == []

    fixed = _invoices_xlsx(tmp_path / "invoices.xlsx", [
        ["INV-1", "maria@harbor-imports.example", 12500, "USD", date(2026, 10, 1), date(2026, 11, 30), 0, "PO 4500123"],
        ["INV-3", "ali@gulf-trading.example", 36730, "AED", date(2026, 10, 1), date(2026, 10, 31), 0, ""],
    ])  # fmt: skip
    assert "2 added" in run_mailflow(settings, "invoices", "import", str(fixed)).stdout
    assert "2 unchanged" in run_mailflow(settings, "invoices", "import", str(fixed)).stdout
    unknown = _invoices_xlsx(tmp_path / "unknown.xlsx", [
        ["INV-9", "nobody@unknown.example", 100, "EUR", date(2026, 10, 1), date(2026, 10, 31), 0, ""],
    ])  # fmt: skip
    refused = run_mailflow(settings, "invoices", "import", str(unknown))
    assert "row 2, column email: no customer nobody@unknown.example" in refused.stderr

    partial = run_mailflow(settings, "invoices", "paid", "INV-1", "--amount", "2500", "--on", "2026-11-20")
    assert partial.returncode == 0 and "balance 10000.00" in partial.stdout
    assert run_mailflow(settings, "invoices", "paid", "INV-1", "--amount", "20000").returncode == 1
    assert "balance 0.00" in run_mailflow(settings, "invoices", "paid", "INV-1", "--on", "2026-11-21").stdout
    invoices = {
        i["number"]: i for i in json.loads(run_mailflow(settings, "invoices", "list", "--json").stdout)
    }
    assert (invoices["INV-1"]["status"], invoices["INV-1"]["paid_on"]) == ("paid", "2026-11-21")
    assert [
        i["number"] for i in json.loads(run_mailflow(settings, "invoices", "list", "--open", "--json").stdout)
    ] == ["INV-3"]
    # The sheet saved before the payments says 0 paid: importing it again keeps the payments.
    assert "2 unchanged" in run_mailflow(settings, "invoices", "import", str(fixed)).stdout
    assert json.loads(run_mailflow(settings, "invoices", "list", "--json").stdout)[1]["status"] == "paid"
