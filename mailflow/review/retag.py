"""A reviewer corrects a message's tags: the message then counts as if it had been tagged so.

A message that becomes a complaint opens a case (its acknowledgement is drafted
on the next round, like any complaint's); one that stops being a complaint leaves
its case, and a case with no complaint left is withdrawn and its waiting drafts
cancelled. The correction is kept with who and when, shown in the customer's
timeline, and `mailflow model train --with-corrections` learns from it. All in
one transaction: a correction applies completely or not at all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select

from mailflow.config.rules import SEVERITY_ORDER, TAGS
from mailflow.errors import MailflowError
from mailflow.store.engine import Store
from mailflow.store.models import (
    CLOSED_CASE_STATUSES,
    Case,
    CaseEvent,
    Contact,
    Draft,
    TagCorrection,
    utcnow,
)
from mailflow.store.waiting_drafts import cancel_waiting

audit = logging.getLogger("mailflow.audit")

# The tags a reviewer sets; others on a message ("photos", "manual:call") are facts, kept as they are.
CORRECTABLE_TAGS = TAGS


class RetagRefused(MailflowError):
    """The correction names an unknown tag or severity, or a message that cannot be corrected."""


@dataclass(frozen=True)
class Retagged:
    contact_id: int
    old_tags: tuple[str, ...]
    new_tags: tuple[str, ...]
    case_opened: int | None = None
    case_withdrawn: int | None = None
    drafts_cancelled: int = 0


def checked_tags(tags: list[str], severity: str) -> tuple[list[str], str]:
    unknown = [tag for tag in tags if tag not in CORRECTABLE_TAGS]
    if unknown:
        raise RetagRefused(f"unknown tag {unknown[0]!r}; tags are {', '.join(CORRECTABLE_TAGS)}")
    if severity not in SEVERITY_ORDER:
        raise RetagRefused(f"severity must be one of {', '.join(SEVERITY_ORDER)}")
    if severity == "high" and not any(tag.startswith("complaint:") for tag in tags):
        raise RetagRefused("severity high needs a complaint tag")
    return list(dict.fromkeys(tags)), severity


def retag(
    store: Store, contact_id: int, tags: list[str], severity: str, actor: str, now: datetime | None = None
) -> Retagged:
    tags, severity = checked_tags(tags, severity)
    now = now or utcnow()
    with store.sessions.begin() as session:
        contact = session.get(Contact, contact_id, with_for_update=True)
        if contact is None:
            raise RetagRefused(f"no message {contact_id}")
        if contact.direction != "in" or contact.customer_id is None:
            raise RetagRefused(
                f"message {contact_id} is not from a buyer; only a buyer's messages are tagged"
            )
        sender = contact.sender
        old = tuple(contact.tags)
        kept = [tag for tag in old if tag not in CORRECTABLE_TAGS and tag not in tags]
        new = (*tags, *kept)
        session.add(
            TagCorrection(
                contact_id=contact_id,
                at=now,
                actor=actor,
                old_tags=list(old),
                new_tags=list(new),
                old_severity=contact.severity,
                new_severity=severity,
            )
        )
        contact.tags, contact.severity = list(new), severity
        contact.automatic = "automatic" in tags
        contact.reasons = [*contact.reasons, f"corrected by {actor}"]
        categories = [tag for tag in tags if tag.startswith("complaint:")]
        result = Retagged(contact_id, old, new)
        if categories and not contact.automatic:
            result = _complaint(session, contact, categories, severity, (actor, now), result)
        elif contact.case_id is not None:
            result = _no_longer_a_complaint(session, contact, actor, now, result)
    audit.info(
        "%s: message %s retagged by %s: %s -> %s",
        sender,
        contact_id,
        actor,
        ",".join(old) or "-",
        ",".join(new) or "-",
        extra={"customer": sender},
    )
    return result


def _complaint(
    session: Any,
    contact: Contact,
    categories: list[str],
    severity: str,
    by: tuple[str, datetime],
    result: Retagged,
) -> Retagged:
    actor, now = by
    if contact.case_id is None:
        case = Case(
            customer_id=contact.customer_id,
            subject=contact.subject,
            categories=categories,
            severity=severity,
            status="open",
            opened_at=now,
        )
        session.add(case)
        session.flush()
        contact.case_id = case.id
        return replace(result, case_opened=case.id)
    case = session.get(Case, contact.case_id)
    others = _other_complaints(session, contact)
    case.categories = list(dict.fromkeys([*categories, *(c for o in others for c in _categories(o.tags))]))
    case.severity = max([severity, *(o.severity for o in others)], key=SEVERITY_ORDER.__getitem__)
    if case.status == "withdrawn":  # a complaint after all: back to work, on the case's timeline
        case.status = "open"
        reopened = CaseEvent(
            case_id=case.id, at=now, actor=actor, action="reopened", detail={"contact": contact.id}
        )
        session.add(reopened)
    return result


def _no_longer_a_complaint(
    session: Any, contact: Contact, actor: str, now: datetime, result: Retagged
) -> Retagged:
    case = session.get(Case, contact.case_id)
    others = _other_complaints(session, contact)
    contact.case_id = None
    if others or case.status in CLOSED_CASE_STATUSES:
        return result
    case.status = "withdrawn"
    withdrawn = CaseEvent(
        case_id=case.id, at=now, actor=actor, action="withdrawn", detail={"contact": contact.id}
    )
    session.add(withdrawn)
    why = f"message {contact.id} is not a complaint (tags corrected)"
    cancelled = cancel_waiting(
        session, (Draft.case_id == case.id) & (Draft.kind != "reminder"), why, now, actor
    )
    return replace(result, case_withdrawn=case.id, drafts_cancelled=cancelled)


def _other_complaints(session: Any, contact: Contact) -> list[Contact]:
    rows = session.scalars(
        select(Contact).where(Contact.case_id == contact.case_id, Contact.id != contact.id)
    )
    return [row for row in rows if _categories(row.tags) and not row.automatic]


def _categories(tags: list[str]) -> list[str]:
    return [tag for tag in tags if tag.startswith("complaint:")]


def latest_corrections(store: Store) -> list[tuple[str, str, list[str], str]]:
    """(subject, new text, tags, severity) of every corrected buyer message, as last corrected: training data."""
    with store.sessions() as session:
        latest = select(TagCorrection.contact_id).distinct()
        rows = session.scalars(select(Contact).where(Contact.id.in_(latest)).order_by(Contact.id))
        return [(row.subject, row.body, list(row.tags), row.severity) for row in rows]
