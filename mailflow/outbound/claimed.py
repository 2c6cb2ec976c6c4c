"""A draft claimed for sending, with everything sending it needs. Pure data.

The claim (send_queue) builds it in the statement that moves the draft from
`approved` to `sending`, and adds what the sending thread must not wait for the
database to learn: which recipients bounced before, and, for scheduled mail,
where the customer is (their business hours).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mailflow.ledger.business_hours import Place


@dataclass(frozen=True, slots=True)
class AttachedFile:
    """A stored attachment a draft sends as a file (drafts.attachment_ids): what the message says of it.

    Its bytes stay on disk until the moment the draft is sent: the sender reads them
    then, one message at a time, so a claimed batch of photo notices costs no memory.
    """

    filename: str
    content_type: str
    sha256: str  # where inbound/attachments keeps it


@dataclass(frozen=True, slots=True)
class ClaimedDraft:
    id: int
    kind: str  # ack | followup | satisfaction | update | reminder | solution | internal | digest
    policy: str  # required | auto: auto drafts go out with Auto-Submitted
    mailbox: str  # the team mailbox it leaves from
    customer_id: int | None
    case_id: int | None
    from_addr: str  # the From header: "Name <address>"
    to: tuple[str, ...]
    subject: str
    body: str
    html: str | None
    message_id: str
    in_reply_to: str
    references: tuple[str, ...]
    attempts: int  # sends tried before this one
    failure: str  # the last send failure, kept when this attempt says nothing new
    scheduled_for: datetime | None  # scheduled mail waits for the customer's business hours
    bounced: tuple[str, ...] = ()  # recipients a bounce marked and no person cleared
    place: Place | None = None  # the customer's time zone and country, for scheduled mail
    attachments: tuple[AttachedFile, ...] = ()  # files it carries (an internal notice's photos)
    cc: tuple[str, ...] = ()  # people copied: a Cc header and RCPT TOs (an escalation's manager)
