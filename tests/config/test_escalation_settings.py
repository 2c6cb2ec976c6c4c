"""[[schedule.reminder]] `from` and `cc`: an escalation level's identity and copies, checked at start-up."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailflow.errors import ConfigError
from tests.support.settings import MINIMAL_MAILBOX, load_text

MANAGER = """
[[mailbox]]
name = "manager"
address = "Manager@Ningbo-Homeware.example"
display_name = "Wang Wei"
signature = "Wang Wei\\nSales Manager"
[mailbox.imap]
host = "imap.example.com"
password = "env:MAILFLOW_TEST_SECRET"
[mailbox.smtp]
host = "smtp.example.com"
password = "env:MAILFLOW_TEST_SECRET"
"""

LADDER = """
[[schedule.reminder]]
offset_days = 0
template = "due"

[[schedule.reminder]]
offset_days = 14
template = "firm"
{level}
"""


def _load(tmp_path: Path, level: str, mailboxes: str = MINIMAL_MAILBOX + MANAGER) -> object:
    return load_text(tmp_path, LADDER.format(level=level) + mailboxes)


def test_a_level_names_a_mailbox_to_go_from_and_addresses_to_copy(tmp_path: Path) -> None:
    settings = load_text(
        tmp_path,
        LADDER.format(
            level='from = "manager"\ncc = [" Boss@Ningbo-Homeware.example", "boss@ningbo-homeware.example"]'
        )
        + MINIMAL_MAILBOX
        + MANAGER,
    )
    due, firm = settings.schedule.ladder
    assert (due.sender, due.cc) == ("", ())
    assert (firm.sender, firm.cc) == ("manager", ("boss@ningbo-homeware.example",))  # once, lower case


def test_an_unknown_from_stops_start_up_naming_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as refused:
        _load(tmp_path, 'from = "manger"')
    assert str(refused.value) == (
        "schedule.reminder[1].from: no mailbox is named 'manger' (mailboxes: manager, sales)"
    )


def test_a_from_mailbox_that_cannot_send_stops_start_up(tmp_path: Path) -> None:
    without_smtp = MANAGER.split("[mailbox.smtp]", maxsplit=1)[0]
    with pytest.raises(
        ConfigError, match=r"^schedule\.reminder\[1\]\.from: mailbox 'manager' has no \[mailbox\.smtp\]"
    ):
        _load(tmp_path, 'from = "manager"', MINIMAL_MAILBOX + without_smtp)


@pytest.mark.parametrize(
    "cc",
    [
        '["Boss <boss@ningbo-homeware.example>"]',
        '["boss@ningbo-homeware.example\\r\\nBcc: spy@evil.example"]',
        '["boss"]',
        '["boss@localhost"]',
        '["a@b.example, c@d.example"]',
    ],
)
def test_a_bad_copy_address_stops_start_up_naming_the_key(tmp_path: Path, cc: str) -> None:
    with pytest.raises(ConfigError, match=r"^schedule\.reminder\[1\]\.cc\[0\]: .* is not an email address"):
        _load(tmp_path, f"cc = {cc}")


def test_copies_must_be_a_list_of_strings(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^schedule\.reminder\[1\]\.cc must be a list"):
        _load(tmp_path, 'cc = "boss@ningbo-homeware.example"')
    with pytest.raises(ConfigError, match=r"^schedule\.reminder\[1\]\.cc\[0\] must be an email address"):
        _load(tmp_path, "cc = [7]")
