"""A draft -> the bytes that go out over SMTP and into the Sent folder. Pure.

Headers that came from the buyer (subject, the ids we thread to) were checked
for line breaks when the draft was made; they are checked again here, as a
second fence, because the compat32 generator would write them as they are.
Auto-Submitted only on drafts sent without a person's review (RFC 3834), so
the buyer's own robots do not answer; List-Unsubscribe on customer updates.
A draft's copies (an escalated reminder's manager) are its Cc header and, as
`Outgoing.copies`, RCPT TOs of their own.

The bytes are written here rather than by the email package's generator: it
parses and refolds every header it is given, which cost more than the SMTP
round trip itself. What is written is a small, fixed subset of MIME (text/plain,
optionally with a text/html alternative; 7bit or base64 bodies; RFC 2047
encoded words for non-ASCII headers, from the email package), and the tests
read it back with the email package's strict parser.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import uuid
from collections.abc import Sequence
from datetime import datetime
from email.utils import format_datetime, parseaddr
from urllib.parse import quote

from mailflow.drafts.headers import safe_header
from mailflow.mailservers.outgoing import Outgoing
from mailflow.outbound.claimed import AttachedFile, ClaimedDraft

_MAX_7BIT_LINE = 900  # SMTP allows 998 octets a line; longer ASCII lines go as base64
_FOLD_AT = 76
# A MIME type as the buyer's mail gave it is written only when it is one (RFC 2045 tokens).
_MIME_TYPE = re.compile(r"[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+")
_PLAIN_FILENAME = re.compile(r"[ -~]{1,200}")  # printable ASCII, short: written as a quoted string
_FILENAME_CHUNK = 54  # characters of an RFC 2231 continuation, each on its own line


def outgoing_message(
    draft: ClaimedDraft, now: datetime, files: Sequence[tuple[AttachedFile, bytes]] = ()
) -> Outgoing:
    """The message's bytes; `files` are the draft's attachments with their bytes (outbound/sender reads them)."""
    headers = [
        ("From", draft.from_addr),
        ("To", ", ".join(draft.to)),
        *([("Cc", ", ".join(draft.cc))] if draft.cc else []),
        ("Subject", draft.subject),
        ("Date", _date(now.replace(microsecond=0))),
        ("Message-ID", f"<{draft.message_id}>"),
    ]
    if draft.in_reply_to:
        headers.append(("In-Reply-To", f"<{draft.in_reply_to}>"))
    if draft.references:
        headers.append(("References", " ".join(f"<{ref}>" for ref in draft.references)))
    if draft.policy == "auto":
        # RFC 3834: an answer to the buyer's mail is auto-replied; a scheduled message, auto-generated.
        headers.append(("Auto-Submitted", "auto-replied" if draft.kind == "ack" else "auto-generated"))
    if draft.kind == "update":
        # RFC 2369: mail clients show an unsubscribe button; the reply lands in our mailbox and opts out.
        headers.append(("List-Unsubscribe", f"<mailto:{address_of(draft.from_addr)}?subject=unsubscribe>"))
    headers.append(("X-Mailflow-Draft", str(draft.id)))  # lets us recognise our own mail when it comes back
    headers.append(("MIME-Version", "1.0"))
    head = "".join(_header(name, value) for name, value in headers)
    return Outgoing(
        message_id=draft.message_id,
        sender=address_of(draft.from_addr),
        recipients=draft.to,
        copies=draft.cc,
        raw=head.encode("ascii") + _with_files(_body(draft.body, draft.html), files),
    )


@functools.lru_cache(maxsize=4)
def _date(now: datetime) -> str:
    """The Date header; a batch sends many messages within one second."""
    return format_datetime(now)


@functools.lru_cache(maxsize=256)
def address_of(mailbox: str) -> str:
    """'Sales <sales@x.example>' -> 'sales@x.example'; a mailbox's From repeats, parsing it once is enough."""
    return parseaddr(mailbox)[1].lower()


def _header(name: str, value: str) -> str:
    safe_header(value, name)
    if not value.isascii():
        return f"{name}: {_encoded_words(value, len(name) + 2)}\r\n"
    return f"{name}: {_fold(value, len(name) + 2)}\r\n"


def _encoded_words(value: str, used: int) -> str:
    """RFC 2047 B-encoded UTF-8 words, every line within 76 characters, no character split.

    The email package's Header does the same, but measures each candidate split by
    encoding it again: for a Chinese subject that cost more than the SMTP round trip.
    A reader joins adjacent encoded words without the folding between them.
    """
    words: list[str] = []
    start, size, room = 0, 0, _payload_bytes(_FOLD_AT - used)
    for index, char in enumerate(value):
        width = _utf8_width(ord(char))
        if size + width > room:
            words.append(value[start:index])
            start, size, room = index, 0, _payload_bytes(_FOLD_AT - 1)  # continuation lines: one space
        size += width
    words.append(value[start:])
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(word.encode()).decode('ascii')}?=" for word in words)


def _payload_bytes(room: int) -> int:
    """How many bytes fit one encoded word in `room` characters: 12 go to =?utf-8?b? and ?=."""
    return max((room - 12) // 4 * 3, 12)


def _utf8_width(code: int) -> int:
    return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4


def _fold(value: str, used: int) -> str:
    """Break a long ASCII value at spaces (ids, address lists), never inside a word."""
    if used + len(value) <= _FOLD_AT:
        return value
    lines: list[str] = []
    line = ""
    for word in value.split(" "):
        if line and used + len(line) + 1 + len(word) > _FOLD_AT:
            lines.append(line)
            line, used = word, 1
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    return "\r\n ".join(lines)


def _body(text: str, html: str | None) -> bytes:
    if not html:
        return _part(text, "plain")
    return _multipart("alternative", [_part(text, "plain"), _part(html, "html")])


def _multipart(subtype: str, parts: Sequence[bytes]) -> bytes:
    """A multipart entity's headers and body: each part (its own headers and body) between boundaries."""
    boundary = f"=_mailflow_{uuid.uuid4().hex}"
    head = f'Content-Type: multipart/{subtype};\r\n boundary="{boundary}"\r\n\r\n--{boundary}\r\n'
    between = f"\r\n--{boundary}\r\n".encode()
    return head.encode() + between.join(parts) + f"\r\n--{boundary}--\r\n".encode()


def _part(content: str, subtype: str) -> bytes:
    """One text part, headers and body. Lines end in CRLF, as MIME's canonical form wants."""
    lines = content.splitlines()
    if content.isascii() and all(len(line) <= _MAX_7BIT_LINE for line in lines):
        head = f'Content-Type: text/{subtype}; charset="us-ascii"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n'
        return (head + "\r\n".join(lines) + "\r\n").encode("ascii")
    data = "\r\n".join(lines).encode("utf-8") + b"\r\n"
    encoded = b"".join(binascii.b2a_base64(data[i : i + 57]) for i in range(0, len(data), 57))
    head = f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
    return head.encode("ascii") + encoded.replace(b"\n", b"\r\n")


def _with_files(body: bytes, files: Sequence[tuple[AttachedFile, bytes]]) -> bytes:
    """The body alone, or a multipart/mixed of the body and the files (an internal notice's photos)."""
    if not files:
        return body
    return _multipart("mixed", [body, *(_file_part(file, data) for file, data in files)])


def _file_part(file: AttachedFile, data: bytes) -> bytes:
    content_type = file.content_type.strip().lower()
    if not _MIME_TYPE.fullmatch(content_type):
        content_type = "application/octet-stream"
    name = file.filename or "attachment"
    head = (
        f"Content-Type: {content_type};{_parameter('name', name)}\r\n"
        f"Content-Disposition: attachment;{_parameter('filename', name)}\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
    )
    return head.encode("ascii") + base64.encodebytes(data).replace(b"\n", b"\r\n")


def _parameter(key: str, value: str) -> str:
    """` key="value"`, or RFC 2231 continuations of the UTF-8 (filenames in Chinese): a line each.

    Whatever the buyer's filename holds, no quote, backslash or line break reaches the header.
    """
    if _PLAIN_FILENAME.fullmatch(value) and '"' not in value and "\\" not in value:
        return f'\r\n {key}="{value}"'
    encoded = quote(value, safe="")
    pieces: list[str] = []
    while encoded:
        # Never split a %XX escape between two lines.
        cut = min(_FILENAME_CHUNK, len(encoded))
        while "%" in encoded[max(0, cut - 2) : cut]:
            cut -= 1
        pieces.append(encoded[:cut])
        encoded = encoded[cut:]
    first = "utf-8''"
    return ";".join(
        f"\r\n {key}*{index}*={first if index == 0 else ''}{piece}" for index, piece in enumerate(pieces)
    )
