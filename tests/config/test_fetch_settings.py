"""[fetch]: batches bounded in messages and in bytes; a wrong value stops with its key named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mailflow.config import settings as config
from mailflow.errors import ConfigError
from tests.support.settings import MINIMAL_MAILBOX, load_text


def _load(tmp_path: Path, fetch: str) -> config.Settings:
    return load_text(tmp_path, f"[fetch]\n{fetch}\n{MINIMAL_MAILBOX}")


def test_a_batch_weighs_at_most_32_mb_unless_the_operator_says_otherwise(tmp_path: Path) -> None:
    assert _load(tmp_path, "").fetch.batch_bytes == 32 * 1024 * 1024
    assert _load(tmp_path, "batch_bytes = 8_388_608").fetch.batch_bytes == 8 * 1024 * 1024


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("32", "fetch.batch_bytes is in bytes and must be at least 1048576 (1 MB)"),
        ("0", "fetch.batch_bytes is in bytes and must be at least 1048576 (1 MB)"),
        ('"32 MB"', "fetch.batch_bytes must be an integer"),
        ("true", "fetch.batch_bytes must be an integer"),
    ],
)
def test_a_wrong_batch_bytes_names_the_key(tmp_path: Path, value: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        _load(tmp_path, f"batch_bytes = {value}")
