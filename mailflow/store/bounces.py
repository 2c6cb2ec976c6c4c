"""Addresses that bounced: marked by a delivery report or a 5xx at RCPT, cleared by a person.

Both the inbound side (a delivery report arrives) and the outbound side (the
server refuses a recipient) mark addresses; drafts and the sender ask which
addresses are marked. No automatic mail goes to a marked address.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import String, any_, bindparam, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from mailflow.store.models import BouncedAddress, utcnow


def mark_bounced(session: Session, address: str, evidence: str) -> None:
    """No automatic mail to `address` until a person clears it; `evidence`: the report's Message-ID
    or the server's refusal. A cleared address that bounces again is marked again."""
    row = session.get(BouncedAddress, address.lower()[:320])
    if row is None:
        session.add(BouncedAddress(email=address.lower()[:320], report_message_id=evidence[:1000]))
    else:
        row.last_at, row.reports, row.cleared_at = utcnow(), row.reports + 1, None
        row.report_message_id = evidence[:1000]


def bounced_among(session: Session, addresses: Iterable[str]) -> set[str]:
    """Which of these addresses (lower-cased) a bounce marked and no person cleared.

    The sender asks for a whole batch's addresses at once: one array on PostgreSQL
    (`= ANY`), so the statement's text is the same whatever the batch's size.
    """
    emails = sorted({address.lower() for address in addresses})
    if not emails:
        return set()
    return set(session.scalars(_BOUNCED[session.get_bind().dialect.name], {"emails": emails}))


_BOUNCED = {
    dialect: select(BouncedAddress.email).where(among, BouncedAddress.cleared_at.is_(None))
    for dialect, among in (
        ("postgresql", BouncedAddress.email == any_(bindparam("emails", type_=postgresql.ARRAY(String)))),
        ("sqlite", BouncedAddress.email.in_(bindparam("emails", expanding=True))),
    )
}
