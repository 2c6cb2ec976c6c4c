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
class ClaimedDraft:
    id: int
    kind: str  # ack | followup | satisfaction | update | reminder
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
