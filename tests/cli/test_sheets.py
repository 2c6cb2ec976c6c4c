"""The customer and invoice sheets' columns: one list in the code, the same in the README and in `--help`,
and a `template` sheet that imports back as exactly its example row."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mailflow.ledger.sheet_columns import SHEETS, example_text
from tests.support.cli import run_mailflow
from tests.support.settings import write_settings

README = Path(__file__).resolve().parents[2] / "README.md"


def _readme_table(sheet: str) -> list[list[str]]:
    """The rows of the README's table under `### Customers` / `### Invoices` of the sheets section."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Customer and invoice sheets\n", 1)[1].split("\n## ", 1)[0]
    table = section.split(f"### {sheet.capitalize()}\n", 1)[1].split("\n\n###", 1)[0]
    rows = [line for line in table.strip().splitlines() if line.startswith("| `")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


@pytest.mark.parametrize("sheet", sorted(SHEETS))
def test_the_readme_table_lists_the_columns_the_importer_reads(sheet: str) -> None:
    documented = [
        (name.strip("`"), required, re.findall(r"`([^`]+)`", also), example.strip("`"))
        for name, required, _meaning, also, example in _readme_table(sheet)
    ]
    expected = [
        (c.name, "yes" if c.required else "no", list(c.aliases), example_text(c.example))
        for c in SHEETS[sheet]
    ]
    assert documented == expected


@pytest.mark.parametrize("sheet", sorted(SHEETS))
@pytest.mark.parametrize("action", ["import", "template"])
def test_help_lists_every_column_with_its_aliases(tmp_path: Path, sheet: str, action: str) -> None:
    done = run_mailflow(tmp_path / "settings.toml", sheet, action, "--help")
    assert done.returncode == 0, done.stderr
    listed = done.stdout.split("columns (", 1)[1].splitlines()[1:]
    names = [line.split()[0] for line in listed if line.startswith("  ")]
    assert names == [column.name for column in SHEETS[sheet]]
    for column in SHEETS[sheet]:
        (line,) = [line for line in listed if line.split()[:1] == [column.name]]
        assert ("required:" in line) == column.required
        assert all(alias in line for alias in column.aliases)


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_written_templates_import_back_as_exactly_their_example_row(
    tmp_path: Path, db_url: str, suffix: str
) -> None:
    path = write_settings(tmp_path, db_url, 1, "u", "p")
    for sheet in ("customers", "invoices"):  # the invoice's customer must exist first
        sheet_file = tmp_path / f"{sheet}{suffix}"
        written = run_mailflow(path, sheet, "template", str(sheet_file))
        assert written.returncode == 0 and sheet_file.exists(), written.stderr
        imported = run_mailflow(path, sheet, "import", str(sheet_file))
        assert imported.returncode == 0, imported.stderr
    (customer,) = json.loads(run_mailflow(path, "customers", "list", "--json").stdout)
    assert (customer["email"], customer["name"], customer["timezone"]) == (
        "maria@harbor-imports.example", "Maria Lopez", "Europe/Madrid",
    )  # fmt: skip
    (invoice,) = json.loads(run_mailflow(path, "invoices", "list", "--json").stdout)
    assert (invoice["number"], invoice["amount"], invoice["paid_amount"], invoice["due"]) == (
        "INV-2041", "12500.00", "2500.00", "2026-11-30",
    )  # fmt: skip


def test_a_template_never_overwrites_a_file_without_force(tmp_path: Path) -> None:
    sheet = tmp_path / "customers.xlsx"
    sheet.write_bytes(b"the rep's own list")
    refused = run_mailflow(tmp_path / "settings.toml", "customers", "template", str(sheet))
    assert refused.returncode == 1 and "exists; not overwritten (--force replaces it)" in refused.stderr
    assert sheet.read_bytes() == b"the rep's own list"
    forced = run_mailflow(tmp_path / "settings.toml", "customers", "template", str(sheet), "--force")
    assert forced.returncode == 0, forced.stderr
    assert sheet.read_bytes().startswith(b"PK")  # a real XLSX (a zip) now


def test_a_template_that_cannot_be_written_is_one_clear_line(tmp_path: Path) -> None:
    done = run_mailflow(tmp_path / "settings.toml", "invoices", "template", str(tmp_path / "invoices.ods"))
    assert done.returncode == 1
    assert done.stderr.strip() == f"mailflow: error: {tmp_path / 'invoices.ods'}: name it .xlsx or .csv"
    nowhere = tmp_path / "no-such-folder" / "invoices.xlsx"
    done = run_mailflow(tmp_path / "settings.toml", "invoices", "template", str(nowhere))
    assert done.returncode == 1
    assert done.stderr.strip() == f"mailflow: error: {nowhere}: cannot write it (No such file or directory)"
