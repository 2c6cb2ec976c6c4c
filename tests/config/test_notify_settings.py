"""[cases.notify]: internal addresses per complaint category, checked at start-up naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailflow.errors import ConfigError
from tests.support.settings import MINIMAL_MAILBOX, load_text


def test_without_the_table_nobody_is_notified(tmp_path: Path) -> None:
    notify = load_text(tmp_path, MINIMAL_MAILBOX).notify
    assert not notify.enabled and notify.for_categories(["quality"]) == []


def test_addresses_per_category_are_read_lower_cased_and_merged_once(tmp_path: Path) -> None:
    settings = load_text(
        tmp_path,
        """
[cases]
reopen_days = 7
[cases.notify]
quality = ["QC@Ningbo-Homeware.example", "production@ningbo-homeware.example"]
shipping = ["logistics@ningbo-homeware.example", "qc@ningbo-homeware.example"]
language = "zh"
"""
        + MINIMAL_MAILBOX,
    )
    notify = settings.notify
    assert notify.enabled and (notify.mailbox, notify.language, notify.site_url) == ("", "zh", "")
    assert notify.for_categories(["quality", "shipping"]) == [
        "qc@ningbo-homeware.example",
        "production@ningbo-homeware.example",
        "logistics@ningbo-homeware.example",
    ]
    assert notify.for_categories(["contract"]) == []


def test_a_category_of_the_operators_own_rules_is_known(tmp_path: Path) -> None:
    text = """
[[classify.rule]]
name = "mould"
tag = "complaint:mould"
patterns = ['mould']
[cases.notify]
mould = ["qc@ningbo-homeware.example"]
"""
    assert load_text(tmp_path, text + MINIMAL_MAILBOX).notify.for_categories(["mould"]) == [
        "qc@ningbo-homeware.example"
    ]


def test_links_default_to_the_digests_site(tmp_path: Path) -> None:
    text = """
[schedule.digest]
site_url = "https://mailflow.example.com/"
[cases.notify]
quality = ["qc@ningbo-homeware.example"]
"""
    assert load_text(tmp_path, text + MINIMAL_MAILBOX).notify.site_url == "https://mailflow.example.com"


@pytest.mark.parametrize(
    ("table", "error"),
    [
        ('qualty = ["qc@x.example"]', "cases.notify.qualty: unknown category; one of contract, quality"),
        ('quality = ["QC Team <qc@x.example>"]', "cases.notify.quality[0]: 'QC Team <qc@x.example>' is not"),
        ('quality = ["qc@x.example\\r\\nBcc: spy@y.example"]', "cases.notify.quality[0]"),
        ('quality = "qc@x.example"', "cases.notify.quality must be a list"),
        ('mailbox = "accounts"', "cases.notify.mailbox: no mailbox named 'accounts'"),
        ('site_url = "mailflow.example.com"', "cases.notify.site_url must be like"),
    ],
)
def test_a_mistake_stops_start_up_naming_the_key(tmp_path: Path, table: str, error: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_text(tmp_path, f"[cases.notify]\n{table}\n" + MINIMAL_MAILBOX)
    assert error in str(raised.value)
