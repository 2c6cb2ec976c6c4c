"""The MIME tree of one message -> its text, its attachments and the addresses a bounce names.

Whatever the parts' headers say, nothing here raises: a parameter that cannot
be read is treated as absent and noted in the message's defects.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from email.message import Message
from email.utils import collapse_rfc2231_value

import html2text

from mailflow.inbound.message import Attachment
from mailflow.inbound.parsing import mime
from mailflow.inbound.parsing.charsets import codec_for, decode_bytes, decode_header_value
from mailflow.inbound.parsing.headers import clean_header, first_message_id

_MAX_FILENAME = 150
_DSN_FIELD = re.compile(r"^([A-Za-z-]+):[ \t]*(.*)$", re.MULTILINE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Past this an HTML body is a newsletter or a pasted report, not something a buyer typed.
MAX_HTML_CHARS = 300_000
_REPORT_PARTS = frozenset(
    {"message/delivery-status", "message/disposition-notification", "text/rfc822-headers"}
)
# What the email package raises on parameters it cannot read (an RFC 2231 value in a
# charset called "utf\x00-8", say): the parameter is then treated as absent.
_PARAMETER_ERRORS = (ValueError, LookupError, UnicodeError, TypeError, IndexError)


class Body:
    """Walks the MIME tree once, keeping the first text bodies and every attachment."""

    def __init__(self) -> None:
        self.plain: str | None = None
        self.html: str | None = None
        self.attachments: list[Attachment] = []
        self.bounced: list[str] = []
        self.defects: list[str] = []

    def text(self) -> str:
        if self.plain is not None and self.plain.strip():
            text = self.plain
        elif self.html is not None:
            text = html_to_text(self.html)
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
        filename = self._filename(headers)
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
        charset = self._charset(part.headers)
        text = decode_bytes(part.decoded(), charset)
        if ctype == "text/plain" and self.plain is None:
            self.plain = text
        elif ctype == "text/html" and self.html is None:
            self.html = text

    def _attach(self, part: mime.Part, payload: bytes, default_name: str) -> None:
        headers = part.headers
        raw_name = self._filename(headers) or self._parameter(headers, "name")
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

    def _filename(self, headers: Message) -> str:
        try:
            return headers.get_filename() or ""
        except _PARAMETER_ERRORS as exc:
            self.defects.append(f"unreadable attachment file name ({type(exc).__name__})")
            return ""

    def _parameter(self, headers: Message, name: str) -> str:
        try:
            return collapse_rfc2231_value(headers.get_param(name) or "")
        except _PARAMETER_ERRORS as exc:
            self.defects.append(f"unreadable Content-Type parameter {name} ({type(exc).__name__})")
            return ""

    def _charset(self, headers: Message) -> str | None:
        try:
            charset = headers.get_content_charset()
        except _PARAMETER_ERRORS as exc:
            self.defects.append(f"unreadable charset ({type(exc).__name__})")
            return None
        if charset and codec_for(charset) is None:
            # ascii(): a label is attacker's text too, and a defect must not carry a NUL or a line break.
            self.defects.append(f"unknown charset {charset[:40]!a}")
        return charset


def html_to_text(html: str) -> str:
    converter = html2text.HTML2Text(bodywidth=0)
    converter.ignore_links = True
    converter.ignore_images = True
    converter.ignore_emphasis = True
    converter.ignore_tables = True
    try:
        return str(converter.handle(html[:MAX_HTML_CHARS]))
    except Exception:  # noqa: BLE001 - html2text fails in odd ways on odd HTML; tags go, text stays
        return re.sub(r"<[^>]*>", " ", html)


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
        if "@" in address and " " not in address and not _CONTROL.search(address):
            failed.append(address)
    return failed


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
