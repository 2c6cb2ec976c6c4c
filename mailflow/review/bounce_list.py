"""The review page's list of bounced addresses: each with why it bounced, its customer and the drafts
that wait for it; or the addresses a person cleared, with who and when.

Part of the store's readers, like review/lists: plain dictionaries out, the callers never hold a session.
The marks themselves are store/bounces' (set by delivery reports and refusals at RCPT); clearing one
is drafts/store.Outbox.clear_bounce, the same for this page and `mailflow bounces clear`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mailflow.review.list_sql import IN_LIMIT, Page, contains, page_of
from mailflow.store.engine import Store
from mailflow.store.models import BouncedAddress, Customer, Draft
from mailflow.store.waiting_drafts import WAITING

# bounced: marked and not cleared (what the overview counts and the sender refuses); cleared: by a person.
BOUNCE_STATUSES = ("bounced", "cleared")


class BounceList:
    def __init__(self, store: Store) -> None:
        self.sessions = store.sessions

    def bounces(self, status: str, address: str = "", page: int | None = 1) -> Page:
        """Bounced addresses, the latest marked first (cleared ones: the latest cleared first); `address`:
        a piece of the address. Each row: its customer, if one has that address, and how many drafts
        wait for it (pending review or approved, the address their first To, as the bounce check reads it)."""
        query = select(
            BouncedAddress.email,
            BouncedAddress.first_at,
            BouncedAddress.last_at,
            BouncedAddress.reports,
            BouncedAddress.report_message_id.label("reason"),
            BouncedAddress.cleared_at,
            BouncedAddress.cleared_by,
            Customer.id.label("customer_id"),
            Customer.name.label("customer_name"),
        ).outerjoin(Customer, Customer.email == BouncedAddress.email)
        if status == "cleared":
            query = query.where(BouncedAddress.cleared_at.is_not(None))
            query = query.order_by(BouncedAddress.cleared_at.desc(), BouncedAddress.email)
        else:
            query = query.where(BouncedAddress.cleared_at.is_(None))
            query = query.order_by(BouncedAddress.last_at.desc(), BouncedAddress.email)
        with self.sessions() as session:
            if address:
                query = query.where(contains(session, BouncedAddress.email, address))
            rows, total, number = page_of(session, query, page)
            found = [row._asdict() for row in rows]
            waiting = _waiting_drafts(session, [row["email"] for row in found])
        for row in found:
            row["waiting_drafts"] = waiting.get(row["email"], 0)
        return Page(found, total, number)


def _waiting_drafts(session: Session, emails: list[str]) -> dict[str, int]:
    """How many drafts still wait for each address (marks are lower-case; a draft's recipient as written)."""
    if not emails:
        return {}
    recipient = func.lower(Draft.recipient)
    query: Any = select(recipient, func.count(Draft.id)).where(Draft.status.in_(WAITING))
    if len(emails) <= IN_LIMIT:  # a page; a bigger download counts every waiting draft at once
        query = query.where(recipient.in_(emails))
    return {email: count for email, count in session.execute(query.group_by(recipient))}
