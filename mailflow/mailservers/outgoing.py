"""What the SMTP adapter sends: the envelope and the exact bytes. Pure data.

Composing a message (outbound) and sending it (the adapter) meet here, so the
pure composer never imports the socket code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outgoing:
    """One message ready for SMTP: the envelope and the exact bytes, kept for the Sent copy."""

    message_id: str
    sender: str  # the envelope's MAIL FROM: the mailbox address
    recipients: tuple[str, ...]
    raw: bytes
    # Envelope recipients beyond `recipients` (the Cc): the message goes to them only when the
    # server takes at least one of `recipients`, so a copy never goes where the message did not.
    copies: tuple[str, ...] = ()
