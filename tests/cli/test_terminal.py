"""What a person sees in a terminal: aligned tables whatever the script, local times, rounded numbers,
and a quiet stop when the reader of a pipe (`| head`) has had enough."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rich.cells import cell_len

from mailflow.cli.output import duration, format_table
from mailflow.config.rules import default_ruleset
from mailflow.inbound.pipeline import process
from mailflow.inbound.recording import record_batch
from mailflow.store.engine import Store
from tests.support.cli import run_mailflow
from tests.support.mail import buyer_mail
from tests.support.settings import write_settings

CHINESE = "关于订单4500123的破损货物投诉，请尽快处理"
SHANGHAI = {"TZ": "Asia/Shanghai"}


@pytest.fixture
def settings_path(tmp_path: Path, db_url: str) -> Path:
    path = write_settings(tmp_path, db_url, 1, "u", "p")
    store = Store(db_url)
    rules, own = replace(default_ruleset(), model="off"), frozenset({"sales@ningbo-homeware.example"})
    messages = [
        buyer_mail(CHINESE, "40 个杯子破了。", sender="Wang Fang <wang@shanghai-trading.example>"),
        buyer_mail("Crushed cartons, PO 4500123", "14 cartons crushed.", message_id="<c@x>"),
    ]
    for uid, raw in enumerate(messages, start=1):
        record_batch(store, "sales", "INBOX", 1, [process(uid, raw, rules, own)], {}, uid)
    store.close()
    return path


def _cells_before(line: str, text: str) -> int:
    """The terminal cell where `text` starts on `line`."""
    return cell_len(line[: line.index(text)])


def test_a_table_lines_up_in_terminal_cells_whatever_the_script() -> None:
    rows = [{"subject": CHINESE, "tags": "complaint:shipping"}, {"subject": "Cracked mugs", "tags": "-"}]
    header, rule, chinese, latin = format_table(rows, ("subject", "tags")).splitlines()
    column = cell_len(header[: header.index("tags")])
    assert _cells_before(chinese, "complaint:shipping") == column == _cells_before(latin, "-")
    assert cell_len(rule) == column + len("complaint:shipping")


def test_a_long_wide_cell_is_cut_at_the_width_in_cells() -> None:
    (_, _, line) = format_table([{"subject": "破" * 50}], ("subject",), width=20).splitlines()
    assert cell_len(line) == 20 and line.endswith("…")


def test_buyer_text_cannot_move_the_cursor_or_break_a_row() -> None:
    (_, _, line) = format_table([{"subject": "Hi\x1b[2J\r\nthere\tyou"}], ("subject",)).splitlines()
    assert line == "Hi?[2J there you"


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0.25123680499996226, "0.25 s"), (3.1, "3.10 s"), (42.4, "42 s"), (185.2, "3 min 05 s"), (None, None)],
)
def test_a_duration_is_rounded_for_people(seconds: float | None, shown: str | None) -> None:
    assert duration(seconds) == shown


def test_contacts_list_prints_local_minutes_and_aligned_chinese_subjects(settings_path: Path) -> None:
    contacts = json.loads(run_mailflow(settings_path, "contacts", "list", "--json", env=SHANGHAI).stdout)
    assert all(contact["at"].endswith("+00:00") for contact in contacts)  # scripts keep ISO 8601 UTC
    done = run_mailflow(settings_path, "contacts", "list", env=SHANGHAI)
    assert done.returncode == 0, done.stderr
    header, _, *lines = done.stdout.splitlines()
    for contact in contacts:
        local = datetime.fromisoformat(contact["at"]).astimezone(ZoneInfo("Asia/Shanghai"))
        (line,) = [line for line in lines if line.startswith(f"{contact['id']} ")]
        assert f"  {local:%Y-%m-%d %H:%M}  " in line and "+00:00" not in line
        assert _cells_before(line, contact["tags"][0]) == cell_len(header[: header.index("tags")])


def test_jobs_list_rounds_the_last_run_for_people_and_keeps_it_exact_in_json(settings_path: Path) -> None:
    assert run_mailflow(settings_path, "schedule", "run").returncode == 0
    (tick, _) = json.loads(run_mailflow(settings_path, "jobs", "list", "--json").stdout)
    assert isinstance(tick["last_seconds"], float)
    table = run_mailflow(settings_path, "jobs", "list").stdout
    assert f"{duration(tick['last_seconds'])}  " in table
    assert str(tick["last_seconds"]) not in table and tick["last_started"] not in table


@pytest.mark.parametrize("json_switch", [("--json",), ()])
def test_a_reader_that_stops_early_ends_the_command_quietly(
    settings_path: Path, json_switch: tuple[str, ...]
) -> None:
    command = [sys.executable, "-m", "mailflow", "--config", str(settings_path), "contacts", "list"]
    process_ = subprocess.Popen(
        [*command, *json_switch], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )  # fmt: skip
    assert process_.stdout is not None and process_.stderr is not None
    process_.stdout.close()  # `| head` that already has its lines: every write now fails with EPIPE
    stderr = process_.stderr.read().decode()
    assert process_.wait(timeout=60) == 141, stderr  # as a shell reports a program that SIGPIPE ended
    assert stderr == ""
