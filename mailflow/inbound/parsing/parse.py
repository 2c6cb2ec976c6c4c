"""Raw bytes in, a frozen InboundMail out. Pure, and never raises on bad mail.

We parse with the fast compat32 policy and decode only what later stages read:
headers through our charset fallbacks (addresses from the raw values, before
any decoding), the first text/plain (or the HTML converted to text), and
attachments with a sanitised name and a SHA-256. Whatever is broken or over a
limit (ParseLimits) becomes a defect on the InboundMail; the rest is read.
"""

from __future__ import annotations

import hashlib
from email.message import Message

from mailflow.config.parse_limits import DEFAULT_LIMITS, ParseLimits
from mailflow.inbound.message import InboundMail
from mailflow.inbound.parsing import headers as fields
from mailflow.inbound.parsing import mime
from mailflow.inbound.parsing.body import MAX_HTML_CHARS, Body, failed_recipients, sanitize_filename
from mailflow.inbound.parsing.headers import clean_header, first_message_id
from mailflow.inbound.parsing.quotes import strip_quotes

__all__ = ["clean_header", "failed_recipients", "first_message_id", "parse", "sanitize_filename"]

_MAX_KEYED_MESSAGE_ID = 900
# What the buyer wrote now is at the top; finding where quoted history starts costs time per line
# (a 1 MB body took 1.4 s), so only this much of the text is searched for it.
MAX_NEW_TEXT_SEARCH = 100_000


def parse(raw: bytes, limits: ParseLimits = DEFAULT_LIMITS) -> InboundMail:
    """Parse one message. Bad structure becomes defects, never an exception."""
    msg, tree = mime.split(raw, limits)
    defects = [type(defect).__name__ for defect in msg.defects] + mime.defects(tree)
    found = fields.raw_fields(msg)
    headers = fields.display_headers(found, defects)
    body = Body()
    body.collect(tree)
    message_id = first_message_id(fields.get(headers, "message-id"))
    plain = body.text()
    return InboundMail(
        dedupe_key=_dedupe_key(message_id, raw),
        message_id=message_id,
        sender=fields.sender(found, defects),
        reply_to=next(iter(fields.addresses(found, "reply-to", defects)), None),
        to=fields.addresses(found, "to", defects),
        cc=fields.addresses(found, "cc", defects),
        subject=fields.get(headers, "subject"),
        date=fields.parse_date(fields.get(headers, "date")),
        in_reply_to=first_message_id(fields.get(headers, "in-reply-to")),
        references=fields.message_ids(fields.get(headers, "references")),
        new_text=_new_text(plain, defects),
        full_text=plain,
        html=(body.html or "")[:MAX_HTML_CHARS].replace("\x00", ""),
        attachments=tuple(body.attachments),
        headers=headers,
        content_type=msg.get_content_type(),
        report_type=_report_type(msg, defects),
        defects=tuple(dict.fromkeys(defects + body.defects)),
        bounced=tuple(dict.fromkeys(body.bounced)),
    )


def _new_text(plain: str, defects: list[str]) -> str:
    if len(plain) > MAX_NEW_TEXT_SEARCH:
        defects.append(f"text: only the first {MAX_NEW_TEXT_SEARCH} characters searched for the new part")
    return strip_quotes(plain[:MAX_NEW_TEXT_SEARCH])


def _report_type(msg: Message, defects: list[str]) -> str:
    try:
        return str(msg.get_param("report-type", "") or "").lower()
    except (ValueError, LookupError, UnicodeError, TypeError, IndexError) as exc:
        defects.append(f"unreadable report-type ({type(exc).__name__})")
        return ""


def _dedupe_key(message_id: str, raw: bytes) -> str:
    """The Message-ID (hashed when absurdly long), or the hash of the bytes when there is none."""
    if not message_id:
        return "sha256:" + hashlib.sha256(raw).hexdigest()
    if len(message_id) > _MAX_KEYED_MESSAGE_ID:
        return "mid-sha256:" + hashlib.sha256(message_id.encode("utf-8", "surrogateescape")).hexdigest()
    return f"mid:{message_id}"
