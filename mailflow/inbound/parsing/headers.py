"""The header fields of one message: read as they came, decoded only where a stage reads them.

Addresses are read from the raw values (parsing/addresses) and never from the
decoded text shown to people; everything a later stage may copy into a reply
comes out without CR, LF or NUL.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.message import Message
from email.utils import parsedate_to_datetime

from mailflow.inbound.message import Address
from mailflow.inbound.parsing.addresses import first_address, parse_addresses
from mailflow.inbound.parsing.charsets import decode_words, undo_surrogates

Fields = list[tuple[str, str]]

_MSGID = re.compile(r"<([^<>\s]+)>")
_LINE_BREAKS = re.compile(r"[\r\n\x00]+")
# Reading addresses and encoded words costs time per character, and no honest field is this long
# (1,000 addresses fit in 64 KiB): of a decoded field, and of the address fields of one name
# (every To: together), only this much is read.
MAX_FIELD_CHARS = 65_536
# Decoding every Received: and DKIM header costs more than the rest of parsing;
# only the headers a later stage reads are decoded, the rest kept as they came.
_DECODED = frozenset(
    {"from", "sender", "to", "cc", "reply-to", "subject", "date", "message-id", "in-reply-to", "references"}
)


def raw_fields(msg: Message) -> Fields:
    """(lower-cased name, value) in order: 8-bit bytes turned into text, encoded words still encoded.

    Only the fields a stage reads get charset detection; a Received: line with 8-bit bytes does not.
    """
    fields: Fields = []
    for name, value in msg.raw_items():
        key = str(name).lower()
        fields.append((key, undo_surrogates(str(value), detect=key in _DECODED)))
    return fields


def display_headers(fields: Fields, defects: list[str]) -> tuple[tuple[str, str], ...]:
    """The headers as InboundMail keeps them: decoded where read, on one line, damage noted in `defects`."""
    shown: list[tuple[str, str]] = []
    for name, value in fields:
        text = value
        if name in _DECODED:
            text, damaged = decode_words(_within(value, name, defects, MAX_FIELD_CHARS, "decoded"))
            if damaged:
                defects.append(f"{name}: damaged encoded word")
        shown.append((name, clean_header(text)))
    return tuple(shown)


def sender(fields: Fields, defects: list[str]) -> Address | None:
    """The first address of From; of Sender when From has none; None only when neither has one."""
    from_value = _within(get(fields, "from"), "from", defects)
    sender_value = _within(get(fields, "sender"), "sender", defects)
    found = first_address(from_value)
    if found is not None:
        return found
    defects.append("from: no readable address" if from_value.strip() else "from: missing")
    found = first_address(sender_value)
    if found is not None:
        defects.append("sender: its address stands in for From's")
    return found


def addresses(fields: Fields, name: str, defects: list[str]) -> tuple[Address, ...]:
    """Every address of every `name` field (To and Cc may come more than once, all within one budget)."""
    found: list[Address] = []
    budget = MAX_FIELD_CHARS
    for value in get_all(fields, name):
        if budget <= 0:
            break
        found += parse_addresses(_within(value, name, defects, budget))
        budget -= len(value)
    return tuple(found)


def _within(
    value: str,
    name: str,
    defects: list[str],
    budget: int = MAX_FIELD_CHARS,
    purpose: str = "read for addresses",
) -> str:
    if len(value) <= budget:
        return value
    defects.append(f"{name}: only the first {MAX_FIELD_CHARS} characters {purpose}")
    return value[:budget]


def get(fields: Fields | tuple[tuple[str, str], ...], name: str) -> str:
    for key, value in fields:
        if key == name:
            return value
    return ""


def get_all(fields: Fields, name: str) -> list[str]:
    return [value for key, value in fields if key == name]


def clean_header(value: str) -> str:
    """Header text safe to copy into a reply: no CR, LF or NUL, no runs of blanks."""
    return " ".join(_LINE_BREAKS.sub(" ", value).split())


def first_message_id(value: str) -> str:
    found = _MSGID.search(value)
    if found:
        return found.group(1)
    value = value.strip()
    return value if value and " " not in value else ""


def message_ids(value: str) -> tuple[str, ...]:
    return tuple(_MSGID.findall(value))


def parse_date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (ValueError, TypeError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
