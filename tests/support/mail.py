"""Building buyer messages for integration tests."""

from __future__ import annotations

import uuid
from email.message import EmailMessage


def buyer_mail(
    subject: str = "Cracked mugs",
    body: str = "The mugs arrived cracked.",
    sender: str = "Maria Lopez <maria@harbor-imports.example>",
    message_id: str | None = None,
    to: str = "sales@ningbo-homeware.example",
    padding: int = 0,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or f"<{uuid.uuid4().hex}@harbor-imports.example>"
    msg.set_content(body + ("\n" + "x" * 76) * (padding // 77))
    return msg.as_bytes()
