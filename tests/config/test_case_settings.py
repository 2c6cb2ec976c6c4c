"""[cases] reopen_days and [review] solution: their defaults, and a wrong value named by its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailflow.errors import ConfigError
from tests.support.settings import MINIMAL_MAILBOX, load_text


@pytest.fixture(autouse=True)
def _secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILFLOW_TEST_SECRET", "s")


def test_a_resolved_case_reopens_within_14_days_and_its_solution_waits_for_review_by_default(
    tmp_path: Path,
) -> None:
    settings = load_text(tmp_path, MINIMAL_MAILBOX)
    assert settings.cases.reopen_days == 14 and settings.replies.review["solution"] == "required"
    assert settings.cases.history_open_days == 30


def test_reopen_days_and_the_solution_policy_are_read(tmp_path: Path) -> None:
    settings = load_text(
        tmp_path,
        '[cases]\nreopen_days = 0\nhistory_open_days = 90\n[review]\nsolution = "auto"\n' + MINIMAL_MAILBOX,
    )
    assert settings.cases.reopen_days == 0 and settings.replies.review["solution"] == "auto"
    assert settings.cases.history_open_days == 90


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[cases]\nreopen_days = -1\n", "cases.reopen_days must be 0 or more"),
        ("[cases]\nhistory_open_days = -5\n", "cases.history_open_days must be 0 or more"),
        ('[cases]\nreopen_days = "14"\n', "cases.reopen_days must be"),
        ("[cases]\nreopen_day = 14\n", "cases.reopen_day: unknown key"),
        ('[review]\nsolution = "maybe"\n', "review.solution must be required or auto"),
    ],
)
def test_a_wrong_case_setting_stops_start_up_naming_its_key(tmp_path: Path, text: str, said: str) -> None:
    with pytest.raises(ConfigError, match=said):
        load_text(tmp_path, text + MINIMAL_MAILBOX)
