"""`mailflow report`: the JSON contracts scripts rely on, the table, and the XLSX/CSV exports read back."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from mailflow.store.engine import Store
from tests.support.cli import run_mailflow
from tests.support.report_book import LIHUA, MARIA, QUIET, sample_book
from tests.support.settings import write_settings


def _settings(directory: Path, db_url: str) -> Path:
    path = write_settings(directory, db_url, 1, "u", "p")
    store = Store(db_url)
    store.create_schema()
    sample_book(store)
    store.close()
    return path


@pytest.fixture
def settings_path(tmp_path: Path, db_url: str) -> Path:
    return _settings(tmp_path, db_url)


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Path:
    """The exports do not depend on the database: SQLite alone spares a second set of child processes."""
    return _settings(tmp_path, f"sqlite:///{tmp_path / 'mailflow.db'}")


def _json(settings: Path, *args: str) -> object:
    done = run_mailflow(settings, "report", *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_report_ageing_json_is_the_documented_contract(settings_path: Path) -> None:
    assert _json(settings_path, "ageing", "--to", "2026-12-01") == [
        {"currency": "CNY", "bucket": "90+", "amount": "30000.00", "invoices": 1},
        {"currency": "USD", "bucket": "not_due", "amount": "5000.00", "invoices": 1},
        {"currency": "USD", "bucket": "1-30", "amount": "2000.00", "invoices": 1},
    ]


def test_report_response_times_json_is_the_documented_contract(settings_path: Path) -> None:
    assert _json(settings_path, "response-times", "--from", "2026-11-23", "--to", "2026-11-29") == [
        {"week": "2026-W48", "complaints": 2, "answered": 1, "median_hours": 3.0, "p90_hours": 3.0},
    ]  # fmt: skip


def test_report_neglected_json_is_the_documented_contract(settings_path: Path) -> None:
    assert _json(settings_path, "neglected", "--to", "2026-12-04") == [
        {"customer": QUIET, "class": "C", "last_contact_at": None, "cadence_days": 30, "days_overdue": None},
        {"customer": MARIA, "class": "A", "last_contact_at": "2026-11-23T13:00:00+00:00", "cadence_days": 7,
         "days_overdue": 4},
    ]  # fmt: skip


def test_report_overview_json_is_the_documented_contract(settings_path: Path) -> None:
    found = _json(settings_path, "overview")
    assert isinstance(found, dict)
    # The ages run on with the clock (the query tests pin them with a frozen time).
    assert isinstance(found.pop("oldest_unanswered_hours"), float)
    assert found == {
        "drafts_waiting": 0,
        "oldest_draft_hours": None,
        "open_cases": {"high": 0, "medium": 2, "low": 0},
        "unanswered_complaints": 1,
        "held_invoices": 0,
        "bounced_addresses": 0,
        "customers_on_credit_hold": 0,
    }


def test_report_complaints_json_has_weeks_by_category_and_the_top_customers(settings_path: Path) -> None:
    assert _json(settings_path, "complaints", "--from", "2026-11-01", "--to", "2026-11-30") == {
        "weeks": [
            {"week": "2026-W48", "category": "quality", "complaints": 1},
            {"week": "2026-W48", "category": "shipping", "complaints": 1},
        ],
        "customers": [{"customer": LIHUA, "complaints": 1}, {"customer": MARIA, "complaints": 1}],
    }


def test_a_report_without_json_is_a_table(sqlite_settings: Path) -> None:
    done = run_mailflow(sqlite_settings, "report", "ageing", "--to", "2026-12-01")
    assert done.returncode == 0, done.stderr
    header, rule, *rows = done.stdout.splitlines()
    assert header.split() == ["currency", "bucket", "amount", "invoices"] and set(rule) <= {"-", " "}
    assert rows[0].split() == ["CNY", "90+", "30000.00", "1"]


def test_report_xlsx_writes_the_same_rows_with_amounts_as_numbers(
    sqlite_settings: Path, tmp_path: Path
) -> None:
    target = tmp_path / "ageing.xlsx"
    done = run_mailflow(sqlite_settings, "report", "ageing", "--to", "2026-12-01", "--xlsx", str(target))
    assert done.returncode == 0, done.stderr
    sheet = load_workbook(target).active
    assert sheet is not None and sheet.title == "ageing"
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["currency", "bucket", "amount", "invoices"],
        ["CNY", "90+", 30000, 1],
        ["USD", "not_due", 5000, 1],
        ["USD", "1-30", 2000, 1],
    ]


def test_report_csv_is_utf8_with_a_bom_and_one_table_after_another(
    sqlite_settings: Path, tmp_path: Path
) -> None:
    target = tmp_path / "complaints.csv"
    done = run_mailflow(
        sqlite_settings,
        "report",
        "complaints",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--csv",
        str(target),
    )
    assert done.returncode == 0, done.stderr
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(target.read_text(encoding="utf-8-sig").splitlines())) == [
        ["week", "category", "complaints"],
        ["2026-W48", "quality", "1"],
        ["2026-W48", "shipping", "1"],
        [],
        ["customer", "complaints"],
        [LIHUA, "1"],
        [MARIA, "1"],
    ]


def test_an_export_never_overwrites_a_file_without_force(sqlite_settings: Path, tmp_path: Path) -> None:
    target = tmp_path / "neglected.csv"
    target.write_text("the rep's own notes")
    refused = run_mailflow(sqlite_settings, "report", "neglected", "--csv", str(target))
    assert refused.returncode == 1
    assert (
        refused.stderr.strip() == f"mailflow: error: {target} exists; not overwritten (--force replaces it)"
    )
    assert target.read_text() == "the rep's own notes"
    forced = run_mailflow(sqlite_settings, "report", "neglected", "--csv", str(target), "--force")
    assert forced.returncode == 0, forced.stderr
    assert target.read_text(encoding="utf-8-sig").startswith("customer,class,last_contact_at")


def test_an_export_to_a_missing_folder_is_one_clear_line(sqlite_settings: Path, tmp_path: Path) -> None:
    target = tmp_path / "no-such-folder" / "overview.xlsx"
    done = run_mailflow(sqlite_settings, "report", "overview", "--xlsx", str(target))
    assert done.returncode == 1
    assert done.stderr.strip() == f"mailflow: error: {target}: cannot write it (No such file or directory)"


def test_bad_dates_are_refused_before_anything_is_read(sqlite_settings: Path) -> None:
    not_a_date = run_mailflow(sqlite_settings, "report", "ageing", "--to", "30/11/2026")
    assert not_a_date.returncode == 2 and "not a date (YYYY-MM-DD): '30/11/2026'" in not_a_date.stderr
    backwards = run_mailflow(
        sqlite_settings, "report", "complaints", "--from", "2026-11-30", "--to", "2026-11-01"
    )
    assert backwards.returncode == 1
    assert backwards.stderr.strip() == "mailflow: error: --from 2026-11-30 is after --to 2026-11-01"
