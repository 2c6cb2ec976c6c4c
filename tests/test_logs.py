"""Log lines: JSON objects that lead with the Message-ID, and secrets blanked in every form."""

from __future__ import annotations

import json
import logging

import pytest

from mailflow import logs


@pytest.fixture(autouse=True)
def _restore_logging() -> object:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_a_json_line_lifts_the_leading_message_id_and_the_customer(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logs.configure(verbose=False, form="json")
    logging.getLogger("mailflow.audit").info(
        "<%s> in %s tagged %s", "abc@harbor.example", "maria@harbor.example", "complaint:quality",
        extra={"customer": "maria@harbor.example"},
    )  # fmt: skip
    (line,) = capsys.readouterr().err.splitlines()
    record = json.loads(line)
    assert record["message_id"] == "abc@harbor.example"
    assert record["customer"] == "maria@harbor.example"
    assert record["level"] == "info" and record["logger"] == "mailflow.audit"
    assert record["message"].startswith("<abc@harbor.example> in maria@harbor.example")


def test_a_resolved_secret_is_blanked_in_messages_and_tracebacks(capsys: pytest.CaptureFixture[str]) -> None:
    token = "ya29.token-that-must-never-be-logged"
    logs.remember_secret(token)
    for form in logs.FORMATS:
        logs.configure(verbose=False, form=form)
        try:
            raise RuntimeError(f"server said: bad token {token}")
        except RuntimeError:
            logging.getLogger("imapclient").error("login with %s failed", token, exc_info=True)
        err = capsys.readouterr().err
        assert token not in err, form
        assert err.count("[secret]") >= 2, err  # the message and the traceback


def test_chinese_text_stays_readable_in_json(capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure(verbose=False, form="json")
    logging.getLogger("mailflow").warning("客户投诉：杯子破损")
    assert "客户投诉" in capsys.readouterr().err
