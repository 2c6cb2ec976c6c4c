"""`mailflow doctor`'s warnings: the example's values still in place, no news for the next customer update."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from mailflow.config.schedule import ScheduleSettings
from mailflow.config.settings import EXAMPLE
from mailflow.ops.doctor import Check, example_values, news_for_next_update, next_update_day
from tests.support.cli import run_mailflow
from tests.support.dovecot import PASSWORD, Dovecot
from tests.support.settings import MINIMAL_MAILBOX, load_text, write_settings

MONDAY_EVENING = datetime(2026, 11, 30, 17, 3, tzinfo=UTC)  # ISO week 2026-W49
EXAMPLE_VALUES = """
[company]
name = "Ningbo Homeware Co., Ltd."
[[mailbox]]
name = "sales"
address = "sales@ningbo-homeware.example"
signature = "Ningbo Homeware Co., Ltd. - Sales Department - +86 574 0000 0000"
callback_phone = "+86 574 0000 0001"
[mailbox.imap]
host = "imap.example.com"
password = "env:MAILFLOW_TEST_SECRET"
"""


def test_the_examples_company_signature_and_callback_phone_are_warnings(tmp_path: Path) -> None:
    warnings = list(example_values(load_text(tmp_path, EXAMPLE_VALUES)))
    assert [check.what for check in warnings] == [
        "company.name", "mailbox[0].signature", "mailbox[0].callback_phone",
    ]  # fmt: skip
    assert all(check.ok and check.warning for check in warnings)
    assert str(warnings[2]) == (
        "WARN mailbox[0].callback_phone: still the example's '+86 574 0000 0001'\n"
        "     fix: set mailbox[0].callback_phone in the settings"
    )


def test_the_settings_init_writes_warn_until_edited(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    # The company, the signature, the call-back name and phone.
    assert len(list(example_values(load_text(tmp_path, text)))) == 4
    own = text.replace("Ningbo Homeware Co., Ltd.", "Harbor Pottery Ltd.").replace("Li Wei", "Chen Jie")
    own = own.replace("+86 574 0000 0001", "+86 574 8765 4321")
    assert list(example_values(load_text(tmp_path, own))) == []


def test_the_next_update_day_is_today_until_its_hour_then_next_week(tmp_path: Path) -> None:
    schedule = _schedule(tmp_path, 'weekday = "tuesday"\nat = "10:00"')
    assert next_update_day(schedule, MONDAY_EVENING) == date(2026, 12, 1)
    assert next_update_day(schedule, datetime(2026, 12, 1, 9, 59, tzinfo=UTC)) == date(2026, 12, 1)
    assert next_update_day(schedule, datetime(2026, 12, 1, 10, 0, tzinfo=UTC)) == date(2026, 12, 8)


def test_a_missing_news_file_for_the_next_update_is_a_warning(tmp_path: Path) -> None:
    schedule = _schedule(tmp_path, 'weekday = "tuesday"')
    (check,) = news_for_next_update(schedule, MONDAY_EVENING)
    assert check.ok and check.warning
    assert check.detail == (
        f"no {tmp_path / 'news' / '2026-W49.md'}: the update of Tuesday 2026-12-01 goes out without the team's news"
    )
    (tmp_path / "news").mkdir()
    (tmp_path / "news" / "2026-W49.md").write_text("Our new glaze line is running.\n")
    (ready,) = news_for_next_update(schedule, MONDAY_EVENING)
    ready_text = f"{tmp_path / 'news' / '2026-W49.md'} is ready for the update of Tuesday 2026-12-01"
    assert ready == Check(True, "news", ready_text)


def test_no_news_is_needed_while_updates_are_off(tmp_path: Path) -> None:
    assert list(news_for_next_update(_schedule(tmp_path, "enabled = false"), MONDAY_EVENING)) == []


def test_doctor_warns_but_passes_on_a_working_setup_with_the_examples_values(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str
) -> None:
    path = write_settings(tmp_path, db_url, dovecot.port, imap_user, PASSWORD)
    text = path.read_text().replace(
        'address = "sales@ningbo-homeware.example"\n',
        'address = "sales@ningbo-homeware.example"\ncallback_phone = "+86 574 0000 0001"\n',
    )
    path.write_text('[company]\nname = "Ningbo Homeware Co., Ltd."\n' + text)
    done = run_mailflow(path, "doctor")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "WARN company.name: still the example's 'Ningbo Homeware Co., Ltd.'" in done.stdout
    assert "WARN mailbox[0].callback_phone" in done.stdout and "WARN news: no " in done.stdout
    assert done.stdout.rstrip().endswith("all checks passed, 3 warning(s)"), done.stdout


def _schedule(directory: Path, updates: str) -> ScheduleSettings:
    return load_text(directory, MINIMAL_MAILBOX + f"\n[schedule.updates]\n{updates}\n").schedule
