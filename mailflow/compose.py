"""A draft -> the EmailMessage that goes out. Pure.

Headers that came from the buyer (subject, the ids we thread to) were checked
for line breaks when the draft was made; the email package refuses them again
here, as a second fence. Auto-Submitted: auto-replied only on drafts sent
without a person's review (RFC 3834), so the buyer's own robots do not answer.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from mailflow.drafting import UnsafeHeader


def outgoing_message(draft: dict[str, Any], now: datetime) -> EmailMessage:
    message = EmailMessage()
    try:
        message["From"] = draft["from"]
        message["To"] = ", ".join(draft["to"])
        message["Subject"] = draft["subject"]
        message["Date"] = format_datetime(now)
        message["Message-ID"] = f"<{draft['message_id']}>"
        if draft["in_reply_to"]:
            message["In-Reply-To"] = f"<{draft['in_reply_to']}>"
        if draft["references"]:
            message["References"] = " ".join(f"<{ref}>" for ref in draft["references"])
    except ValueError as exc:  # the email package's refusal of CR/LF in a header
        raise UnsafeHeader(str(exc)) from exc
    if draft["policy"] == "auto":
        message["Auto-Submitted"] = "auto-replied"
    message["X-Mailflow-Draft"] = str(draft["id"])  # lets us recognise our own mail when it comes back
    message.set_content(draft["body"])
    if draft.get("html"):
        message.add_alternative(draft["html"], subtype="html")
    return message
