"""[ledger] (credit holds) and [schedule] payment_run_lead_business_days: defaults, values, errors by name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mailflow.errors import ConfigError
from tests.support.settings import MINIMAL_MAILBOX, load_text


def test_holds_start_after_30_days_and_nobody_is_told_by_default(tmp_path: Path) -> None:
    settings = load_text(tmp_path, MINIMAL_MAILBOX)
    assert (settings.ledger.hold_after_days_overdue, settings.ledger.hold_notify) == (30, ())
    assert settings.schedule.payment_run_lead_business_days == 2


def test_the_ledger_settings_are_read(tmp_path: Path) -> None:
    text = (
        '[ledger]\nhold_after_days_overdue = 45\nhold_notify = ["orders@x.example", "logistics@x.example"]\n'
        "[schedule]\npayment_run_lead_business_days = 3\n"
    )
    settings = load_text(tmp_path, text + MINIMAL_MAILBOX)
    assert settings.ledger.hold_after_days_overdue == 45
    assert settings.ledger.hold_notify == ("orders@x.example", "logistics@x.example")
    assert settings.schedule.payment_run_lead_business_days == 3


@pytest.mark.parametrize(("text", "says"), [
    ("hold_after_days_overdue = 0", "ledger.hold_after_days_overdue must be a positive integer"),
    ('hold_notify = "orders@x.example"', "ledger.hold_notify must be a list"),
    ('hold_notify = ["order desk"]', "ledger.hold_notify[0]: 'order desk' is not an email address"),
    ('hold_notify = ["a@x.example\\r\\nBcc: b@y.example"]', "ledger.hold_notify[0]: "),
    ("hold_after_days = 30", "ledger.hold_after_days: unknown key"),
])  # fmt: skip
def test_bad_ledger_settings_are_refused_by_name(tmp_path: Path, text: str, says: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(says)):
        load_text(tmp_path, f"[ledger]\n{text}\n" + MINIMAL_MAILBOX)


def test_a_negative_payment_run_lead_is_refused(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=re.escape("schedule.payment_run_lead_business_days must be 0 or more")
    ):
        load_text(tmp_path, "[schedule]\npayment_run_lead_business_days = -1\n" + MINIMAL_MAILBOX)
