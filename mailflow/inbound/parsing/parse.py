"""Raw bytes in, a frozen InboundMail out. Pure, and never raises on bad mail.

We parse with the fast compat32 policy and decode only what later stages read:
headers through our charset fallbacks, the first text/plain (or the HTML
converted to text), and attachments with a sanitised name and a SHA-256.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import UTC, datetime
from email.utils import collapse_rfc2231_value, getaddresses, parsedate_to_datetime

import html2text

from mailflow.inbound.message import Address, Attachment, InboundMail
from mailflow.inbound.parsing import mime
from mailflow.inbound.parsing.charsets import decode_bytes, decode_header_value
from mailflow.inbound.parsing.quotes import strip_quotes

_MSGID = re.compile(r"<([^<>\s]+)>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAKS = re.compile(r"[\r\n\x00]+")
_MAX_FILENAME = 150
_MAX_KEYED_MESSAGE_ID = 900
_DSN_FIELD = re.compile(r"^([A-Za-z-]+):[ \t]*(.*)$", re.MULTILINE)
_DECODED = frozenset(
    {"from", "to", "cc", "reply-to", "subject", "date", "message-id", "in-reply-to", "references"}
)
# Past this an HTML body is a newsletter or a pasted report, not something a buyer typed.
_MAX_HTML_CHARS = 300_000


def parse(raw: bytes) -> InboundMail:
    """Parse one message. Bad structure becomes defects, never an exception."""
    msg, tree = mime.split(raw)
    # Decoding every Received: and DKIM header costs more than the rest of parsing;
    # only the headers a later stage reads are decoded, the rest kept as they came.
    headers = tuple(
        (key, clean_header(decode_header_value(value)) if key in _DECODED else clean_header(str(value)))
        for key, value in ((str(name).lower(), value) for name, value in msg.items())
    )
    body = _Body()
    body.collect(tree)
    message_id = first_message_id(_get(headers, "message-id"))
    plain = body.text()
    return InboundMail(
        dedupe_key=_dedupe_key(message_id, raw),
        message_id=message_id,
        sender=_first_address(_get(headers, "from")),
        reply_to=_first_address(_get(headers, "reply-to")),
        to=_addresses(_get_all(headers, "to")),
        cc=_addresses(_get_all(headers, "cc")),
        subject=_get(headers, "subject"),
        date=_parse_date(_get(headers, "date")),
        in_reply_to=first_message_id(_get(headers, "in-reply-to")),
        references=tuple(_MSGID.findall(_get(headers, "references"))),
        new_text=strip_quotes(plain),
        full_text=plain,
        html=(body.html or "")[:_MAX_HTML_CHARS].replace("\x00", ""),
        attachments=tuple(body.attachments),
        headers=headers,
        content_type=msg.get_content_type(),
        report_type=str(msg.get_param("report-type", "") or "").lower(),
        defects=tuple(type(defect).__name__ for defect in msg.defects),
        bounced=tuple(dict.fromkeys(body.bounced)),
    )


def _dedupe_key(message_id: str, raw: bytes) -> str:
    """The Message-ID (hashed when absurdly long), or the hash of the bytes when there is none."""
    if not message_id:
        return "sha256:" + hashlib.sha256(raw).hexdigest()
    if len(message_id) > _MAX_KEYED_MESSAGE_ID:
        return "mid-sha256:" + hashlib.sha256(message_id.encode("utf-8", "surrogateescape")).hexdigest()
    return f"mid:{message_id}"


def failed_recipients(report: str) -> list[str]:
    """Recipients of a delivery-status report (RFC 3464) whose delivery failed for good.

    The report is blocks of fields separated by blank lines, one block per
    recipient; "Action: failed" (or a 5.x.x status) is a bounce, "delayed" is not.
    """
    failed: list[str] = []
    for block in re.split(r"\r?\n\s*\r?\n", report):
        fields = dict(_DSN_FIELD.findall(block))
        fields = {name.lower(): value.strip() for name, value in fields.items()}
        recipient = fields.get("final-recipient") or fields.get("original-recipient") or ""
        action = fields.get("action", "").lower()
        if not recipient or not (action == "failed" or fields.get("status", "").startswith("5")):
            continue
        address = recipient.split(";", 1)[-1].strip().strip("<>").strip().lower()
        if "@" in address and " " not in address:
            failed.append(address)
    return failed


def clean_header(value: str) -> str:
    """Header text safe to copy into a reply: no CR, LF or NUL, no runs of blanks."""
    return " ".join(_LINE_BREAKS.sub(" ", value).split())


def first_message_id(value: str) -> str:
    found = _MSGID.search(value)
    if found:
        return found.group(1)
    value = value.strip()
    return value if value and " " not in value else ""


def sanitize_filename(name: str) -> str:
    """A file name that cannot climb out of a folder or break a header or a terminal."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip().lstrip(".").strip()
    if len(name) > _MAX_FILENAME:
        stem, dot, suffix = name.rpartition(".")
        if dot and len(suffix) <= 10:
            name = stem[: _MAX_FILENAME - len(suffix) - 1] + "." + suffix
        else:
            name = name[:_MAX_FILENAME]
    return name or "attachment"


def _get(headers: tuple[tuple[str, str], ...], name: str) -> str:
    for key, value in headers:
        if key == name:
            return value
    return ""


def _get_all(headers: tuple[tuple[str, str], ...], name: str) -> list[str]:
    return [value for key, value in headers if key == name]


def _addresses(values: list[str]) -> tuple[Address, ...]:
    found: list[Address] = []
    try:
        pairs = getaddresses(values)
    except (ValueError, IndexError, TypeError):
        return ()
    for name, raw_addr in pairs:
        addr = _CONTROL.sub("", raw_addr).strip().lower()
        if "@" in addr and " " not in addr:
            found.append(Address(email=addr, name=name.strip()))
    return tuple(found)


def _first_address(value: str) -> Address | None:
    found = _addresses([value]) if value else ()
    return found[0] if found else None


def _parse_date(value: str) -> datetime | None:
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


def _html_to_text(html: str) -> str:
    converter = html2text.HTML2Text(bodywidth=0)
    converter.ignore_links = True
    converter.ignore_images = True
    converter.ignore_emphasis = True
    converter.ignore_tables = True
    try:
        return str(converter.handle(html[:_MAX_HTML_CHARS]))
    except Exception:  # noqa: BLE001 - html2text fails in odd ways on odd HTML; tags go, text stays
        return re.sub(r"<[^>]*>", " ", html)


class _Body:
    """Walks the MIME tree once, keeping the first text bodies and every attachment."""

    def __init__(self) -> None:
        self.plain: str | None = None
        self.html: str | None = None
        self.attachments: list[Attachment] = []
        self.bounced: list[str] = []

    def text(self) -> str:
        if self.plain is not None and self.plain.strip():
            text = self.plain
        elif self.html is not None:
            text = _html_to_text(self.html)
        else:
            text = self.plain or ""
        return text.replace("\x00", "")

    def collect(self, part: mime.Part) -> None:
        ctype = part.content_type
        if ctype.startswith("message/") and ctype not in _REPORT_PARTS:
            self._attach(part, payload=part.decoded(), default_name="message.eml")
            return
        if part.children:
            for child in part.children:
                self.collect(child)
            return
        if part.headers.get_content_maintype() == "multipart":
            return  # a multipart without a usable boundary: nothing we can read
        headers = part.headers
        disposition = str(headers.get("content-disposition", "")).split(";", 1)[0].strip().lower()
        filename = headers.get_filename()
        if ctype in ("text/plain", "text/html") and disposition != "attachment" and not filename:
            self._text_part(part, ctype)
            return
        if ctype == "message/delivery-status":
            self.bounced += failed_recipients(decode_bytes(part.decoded(), "utf-8"))
            return
        if ctype in _REPORT_PARTS:
            return
        self._attach(part, payload=part.decoded(), default_name="attachment")

    def _text_part(self, part: mime.Part, ctype: str) -> None:
        text = decode_bytes(part.decoded(), part.headers.get_content_charset())
        if ctype == "text/plain" and self.plain is None:
            self.plain = text
        elif ctype == "text/html" and self.html is None:
            self.html = text

    def _attach(self, part: mime.Part, payload: bytes, default_name: str) -> None:
        headers = part.headers
        raw_name = headers.get_filename() or collapse_rfc2231_value(headers.get_param("name") or "")
        name = sanitize_filename(decode_header_value(raw_name)) if raw_name else default_name
        disposition = str(headers.get("content-disposition", "")).lower()
        self.attachments.append(
            Attachment(
                filename=name,
                content_type=part.content_type,
                size=len(payload),
                sha256=hashlib.sha256(payload).hexdigest(),
                payload=payload,
                inline=disposition.startswith("inline") or bool(headers.get("content-id")),
                content_id=first_message_id(clean_header(str(headers.get("content-id", "")))),
            )
        )


_REPORT_PARTS = frozenset(
    {"message/delivery-status", "message/disposition-notification", "text/rfc822-headers"}
)
