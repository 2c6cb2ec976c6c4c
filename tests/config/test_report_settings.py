"""[reports]: the complaint answer target, one business day unless settings.toml says otherwise."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mailflow.errors import ConfigError
from tests.support.settings import MINIMAL_MAILBOX, load_text


def test_the_answer_target_is_one_business_day_by_default(tmp_path: Path) -> None:
    assert load_text(tmp_path, MINIMAL_MAILBOX).reports.answer_target_business_days == 1


def test_the_answer_target_is_read_from_reports(tmp_path: Path) -> None:
    settings = load_text(tmp_path, "[reports]\nanswer_target_business_days = 3\n" + MINIMAL_MAILBOX)
    assert settings.reports.answer_target_business_days == 3


@pytest.mark.parametrize(("value", "says"), [
    ("0", "must be a positive integer"), ("-2", "must be a positive integer"), ("1.5", "must be an integer"),
    ('"2"', "must be an integer"), ("true", "must be an integer"),
])  # fmt: skip
def test_an_answer_target_that_is_not_a_positive_whole_number_is_refused_by_name(
    tmp_path: Path, value: str, says: str
) -> None:
    with pytest.raises(ConfigError, match=re.escape(f"reports.answer_target_business_days {says}")):
        load_text(tmp_path, f"[reports]\nanswer_target_business_days = {value}\n" + MINIMAL_MAILBOX)


def test_a_misspelt_reports_key_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=re.escape("reports.answer_target_days: unknown key")):
        load_text(tmp_path, "[reports]\nanswer_target_days = 2\n" + MINIMAL_MAILBOX)
