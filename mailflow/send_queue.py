"""The store's side of sending: claim approved drafts, find abandoned ones, record what happened.

Part of the store (only the store runs SQL). A claim is one conditional UPDATE
from approved to sending (with FOR UPDATE SKIP LOCKED on PostgreSQL), so two
senders never take the same draft. The outcomes of a batch are written in one
transaction: the draft's new state, its audit event, the outbound contact and,
for an acknowledgement, the case moving to `acknowledged`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from email.utils import parseaddr
from typing import Any, cast

from sqlalchemy import Table, and_, bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mailflow.delivery import Outcome
from mailflow.models import Case, Contact, Customer, Draft, DraftEvent
from mailflow.outbox import draft_dict
from mailflow.store import Store

_EVENT = {"sent": "sent", "found": "sent", "retry": "retry", "failed": "failed"}


class SendQueue:
    def __init__(self, store: Store) -> None:
        self.sessions = store.sessions

    def claim(self, mailboxes: Sequence[str], now: datetime, limit: int) -> list[dict[str, Any]]:
        """Approved drafts that are due, now ours ('sending'), oldest first."""
        due = or_(Draft.next_attempt_at.is_(None), Draft.next_attempt_at <= now)
        candidates = (
            select(Draft.id)
            .where(Draft.status == "approved", due, Draft.mailbox.in_(mailboxes))
            .order_by(Draft.id)
            .limit(limit)
            .with_for_update(skip_locked=True)  # PostgreSQL; SQLite's BEGIN IMMEDIATE serialises instead
        )
        return self._take(candidates, Draft.status == "approved", now)

    def claim_abandoned(
        self, mailboxes: Sequence[str], stale_before: datetime, now: datetime, limit: int
    ) -> list[dict[str, Any]]:
        """Drafts left 'sending' by a process that died; whether they went out is not yet known."""
        candidates = (
            select(Draft.id)
            .where(Draft.status == "sending", Draft.claimed_at < stale_before, Draft.mailbox.in_(mailboxes))
            .order_by(Draft.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return self._take(candidates, and_(Draft.status == "sending", Draft.claimed_at < stale_before), now)

    def _take(self, candidates: Any, still: Any, now: datetime) -> list[dict[str, Any]]:
        with self.sessions.begin() as session:
            ids = list(session.scalars(candidates))
            if not ids:
                return []
            taken = session.scalars(
                update(Draft)
                .where(Draft.id.in_(ids), still)
                .values(status="sending", claimed_at=now, updated_at=now)
                .returning(Draft.id)
                .execution_options(synchronize_session=False)
            ).all()
            rows = session.execute(
                select(Draft, Customer.email)
                .outerjoin(Customer, Draft.customer_id == Customer.id)
                .where(Draft.id.in_(taken))
                .order_by(Draft.id)
            )
            return [draft_dict(draft, email) for draft, email in rows]

    def renew(self, draft_ids: Iterable[int], now: datetime) -> None:
        """Still ours: a long batch must not look abandoned to another process."""
        ids = list(draft_ids)
        if ids:
            with self.sessions.begin() as session:
                session.execute(
                    update(Draft)
                    .where(Draft.id.in_(ids), Draft.status == "sending")
                    .values(claimed_at=now)
                    .execution_options(synchronize_session=False)
                )

    def logged(self, message_ids: Iterable[str]) -> set[str]:
        """Which of our Message-IDs the contact log already has (the Sent folder was read)."""
        ids = [mid for mid in message_ids if mid]
        if not ids:
            return set()
        with self.sessions() as session:
            return set(session.scalars(select(Contact.message_id).where(Contact.message_id.in_(ids))))

    def record(self, outcomes: Sequence[Outcome], drafts: dict[int, dict[str, Any]], now: datetime) -> None:
        if not outcomes:
            return
        try:
            self._record(outcomes, drafts, now)
        except IntegrityError:
            # The Sent folder's watcher logged one of these messages between our check and
            # our insert; the second pass sees its row and leaves it be.
            self._record(outcomes, drafts, now)

    def _record(self, outcomes: Sequence[Outcome], drafts: dict[int, dict[str, Any]], now: datetime) -> None:
        with self.sessions.begin() as session:
            session.connection().execute(
                _STATE_UPDATE, [_state(o, drafts[o.draft_id], now) for o in outcomes]
            )
            events = [_event(o) for o in outcomes if o.result in _EVENT]
            if events:
                session.execute(insert(DraftEvent), events)
            went = [o for o in outcomes if o.result in ("sent", "found")]
            _log_contacts(session, went, drafts, now)
            acknowledged = [drafts[o.draft_id]["case"] for o in went if drafts[o.draft_id]["kind"] == "ack"]
            if acknowledged:
                session.execute(
                    update(Case)
                    .where(Case.id.in_([case for case in acknowledged if case]), Case.status == "open")
                    .values(status="acknowledged")
                    .execution_options(synchronize_session=False)
                )


_table = cast(Table, Draft.__table__)
# One statement for every outcome of a batch, and only for drafts still ours.
_STATE_UPDATE = (
    _table.update()
    .where(_table.c.id == bindparam("draft_id"), _table.c.status == "sending")
    .values(
        status=bindparam("new_status"),
        attempts=bindparam("new_attempts"),
        next_attempt_at=bindparam("new_next_attempt_at"),
        failure=bindparam("new_failure"),
        sent_at=bindparam("new_sent_at"),
        claimed_at=None,
        updated_at=bindparam("now"),
    )
)


def _state(outcome: Outcome, draft: dict[str, Any], now: datetime) -> dict[str, Any]:
    went = outcome.result in ("sent", "found")
    status = {"sent": "sent", "found": "sent", "failed": "failed"}.get(outcome.result, "approved")
    return {
        "draft_id": outcome.draft_id,
        "new_status": status,
        "new_attempts": outcome.attempts or draft["attempts"],
        "new_next_attempt_at": outcome.next_attempt_at,
        "new_failure": "" if went else (outcome.detail or draft["failure"]),
        "new_sent_at": outcome.at if went else None,
        "now": now,
    }


def _event(outcome: Outcome) -> dict[str, Any]:
    return {
        "draft_id": outcome.draft_id,
        "at": outcome.at,
        "actor": "mailflow",
        "action": _EVENT[outcome.result],
        "detail": outcome.detail,
    }


def _log_contacts(
    session: Session, went: Sequence[Outcome], drafts: dict[int, dict[str, Any]], now: datetime
) -> None:
    keys = {f"mid:{drafts[o.draft_id]['message_id']}": o for o in went}
    if not keys:
        return
    known = set(session.scalars(select(Contact.dedupe_key).where(Contact.dedupe_key.in_(list(keys)))))
    rows = [
        _contact_row(outcome, drafts[outcome.draft_id], key, now)
        for key, outcome in keys.items()
        if key not in known
    ]
    if rows:
        session.execute(insert(Contact), rows)


def _contact_row(outcome: Outcome, draft: dict[str, Any], key: str, now: datetime) -> dict[str, Any]:
    return {
        "direction": "out",
        "customer_id": draft["customer_id"],
        "case_id": draft["case"],
        "mailbox": draft["mailbox"],
        "folder": outcome.sent_folder,
        "uidvalidity": None,
        "uid": None,
        "dedupe_key": key,
        "message_id": draft["message_id"],
        "in_reply_to": draft["in_reply_to"],
        "thread_refs": list(draft["references"]),
        "sender": parseaddr(draft["from"])[1].lower(),
        "reply_to": "",
        "subject": draft["subject"],
        "body": draft["body"],
        "at": outcome.at,
        "tags": [],
        "reasons": [],
        "severity": "low",
        "language": "",
        "trade_refs": [],
        "automatic": draft["policy"] == "auto",
        "created_at": now,
    }
