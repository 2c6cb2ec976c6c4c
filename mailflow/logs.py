"""Log lines on stderr: readable text by default, one JSON object per line for a log collector.

Lines lead with what they are about — a Message-ID in angle brackets, or a
customer — and the JSON form lifts that into its own field, so an operator can
follow one buyer's mail through fetch, tag, draft and send. A resolved secret
never reaches a line: its value is replaced wherever it appears, whichever
library wrote the line.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

FORMATS = ("text", "json")
_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_LEADING_MESSAGE_ID = re.compile(r"^<([^<>\s]+)>")
_SHORTEST_REDACTED = 4  # shorter values would blank out ordinary words
_secret_values: set[str] = set()


def remember_secret(value: str) -> None:
    """A resolved secret: from now on it is blanked in every log line."""
    if len(value) >= _SHORTEST_REDACTED:
        _secret_values.add(value)


def redact(text: str) -> str:
    for value in _secret_values:
        if value in text:
            text = text.replace(value, "[secret]")
    return text


class _Redacted(logging.Formatter):
    """Wraps a formatter; blanks secrets in the whole line, tracebacks included."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record))


class JsonLines(logging.Formatter):
    """One object per line: time, level, logger, message_id / customer / mailbox when known, message."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        for field in ("message_id", "customer", "mailbox"):
            value = getattr(record, field, None)
            if value:
                line[field] = value
        leading = _LEADING_MESSAGE_ID.match(message)
        if leading and "message_id" not in line:
            line["message_id"] = leading.group(1)
        line["message"] = message
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(verbose: bool, form: str = "text") -> None:
    """(Re)configure the root logger; called once at start and again when the settings name a format."""
    handler = logging.StreamHandler(sys.stderr)
    inner = JsonLines() if form == "json" else logging.Formatter(_TEXT_FORMAT)
    handler.setFormatter(_Redacted(inner))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    quiet = logging.DEBUG if verbose else logging.WARNING
    logging.getLogger("imapclient").setLevel(quiet)
    # imapclient's wire trace holds whole messages: bodies stay out of the log, even with -v.
    logging.getLogger("imapclient.imaplib").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(quiet)  # `db upgrade` prints its own line
    # "Running job ... executed successfully" every minute: the ticks log what they did themselves.
    logging.getLogger("apscheduler").setLevel(quiet)
