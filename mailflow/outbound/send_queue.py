"""The store's side of sending: claim approved drafts, find abandoned ones, record what happened.

SQL, kept apart from the pure stages. A claim is one conditional UPDATE
from approved to sending (with FOR UPDATE SKIP LOCKED on PostgreSQL), so two
senders never take the same draft. The outcomes of a batch are written in one
transaction: the draft's new state, its audit event, the outbound contact and,
for an acknowledgement, the case moving to `acknowledged`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Integer,
    String,
    Table,
    and_,
    any_,
    bindparam,
    case,
    exists,
    insert,
    literal,
    null,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mailflow.ledger.business_hours import Place
from mailflow.outbound.claimed import AttachedFile, ClaimedDraft
from mailflow.outbound.compose import address_of
from mailflow.outbound.outcome import Outcome
from mailflow.store.bounces import bounced_among, mark_bounced
from mailflow.store.engine import Store
from mailflow.store.models import (
    Case,
    CaseEvent,
    Contact,
    Customer,
    Draft,
    DraftEvent,
    StoredAttachment,
    UTCDateTime,
)

audit = logging.getLogger("mailflow.audit")

_EVENT = {"sent": "sent", "found": "sent", "retry": "retry", "failed": "failed"}


class SendQueue:
    def __init__(self, store: Store) -> None:
        self.sessions = store.sessions

    def claim(self, mailboxes: Sequence[str], now: datetime, limit: int) -> list[ClaimedDraft]:
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
    ) -> list[ClaimedDraft]:
        """Drafts left 'sending' by a process that died; whether they went out is not yet known."""
        candidates = (
            select(Draft.id)
            .where(Draft.status == "sending", Draft.claimed_at < stale_before, Draft.mailbox.in_(mailboxes))
            .order_by(Draft.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return self._take(candidates, and_(Draft.status == "sending", Draft.claimed_at < stale_before), now)

    def _take(self, candidates: Any, still: Any, now: datetime) -> list[ClaimedDraft]:
        # One statement picks, locks, moves and hands back what sending needs; no ORM objects.
        # The pick is a MATERIALIZED CTE: as a plain IN (subquery), PostgreSQL may run the
        # subquery more than once, and LIMIT ... SKIP LOCKED then claimed more than the limit.
        picked = candidates.cte("picked").prefix_with("MATERIALIZED", dialect="postgresql")
        with self.sessions.begin() as session:
            rows = session.execute(
                _table.update()
                .where(_table.c.id.in_(select(picked.c.id)), still)
                .values(status="sending", claimed_at=now, updated_at=now)
                .returning(*(_table.c[column] for column in _RETURNED))
            )
            drafts = _with_what_sending_needs(session, rows.mappings().all())
            return sorted(drafts, key=lambda draft: draft.id)

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

    def record(self, outcomes: Sequence[Outcome], drafts: dict[int, ClaimedDraft], now: datetime) -> None:
        if not outcomes:
            return
        try:
            self._record(outcomes, drafts, now)
        except IntegrityError:
            # The Sent folder's watcher logged one of these messages between our check and
            # our insert; the second pass sees its row and leaves it be.
            self._record(outcomes, drafts, now)

    def _record(self, outcomes: Sequence[Outcome], drafts: dict[int, ClaimedDraft], now: datetime) -> None:
        with self.sessions.begin() as session:
            connection = session.connection()
            statements = _BY_DIALECT[connection.dialect.name]
            statements.set_states(connection, [_state(o, drafts[o.draft_id], now) for o in outcomes], now)
            # The rest is copied from the drafts' rows by the database itself (INSERT ... SELECT):
            # per-row parameters cost more than the SMTP round trip they follow.
            plain = [o.draft_id for o in outcomes if o.result == "sent" and not o.detail]
            if plain:
                connection.execute(statements.sent_events, {"ids": plain})
            events = [
                _event(o)
                for o in outcomes
                if o.result in _EVENT and not (o.result == "sent" and not o.detail)
            ]
            if events:
                connection.execute(insert(DraftEvent), events)
            went: dict[tuple[str | None, str], list[int]] = {}
            for o in outcomes:
                if o.result in ("sent", "found"):
                    went.setdefault((o.sent_folder, address_of(drafts[o.draft_id].from_addr)), []).append(
                        o.draft_id
                    )
            for (folder, sender), ids in went.items():
                connection.execute(
                    statements.log_contacts, {"ids": ids, "folder": folder, "sender": sender, "now": now}
                )
            acks = [i for group in went.values() for i in group if drafts[i].kind == "ack"]
            if acks:
                _acknowledge(connection, statements, acks, now)
            for outcome in outcomes:
                for address in outcome.bounced:  # "no such user" at RCPT: the same as a bounce report
                    mark_bounced(session, address, outcome.detail)
                    audit.info(
                        "draft %s: %s refused by the server, marked undeliverable", outcome.draft_id, address
                    )


def _acknowledge(connection: Connection, statements: _Statements, acks: list[int], now: datetime) -> None:
    """The cases whose acknowledgement went: open -> acknowledged, each on its timeline.

    The events are those the UPDATE returned: a case a person moved on meanwhile
    (assessed, agreed...) keeps its state and gets no event.
    """
    acknowledged = connection.execute(statements.acknowledge, {"ids": acks}).scalars().all()
    if acknowledged:
        events = [
            {"case_id": case_id, "at": now, "actor": "mailflow", "action": "acknowledged", "detail": {}}
            for case_id in acknowledged
        ]
        connection.execute(insert(_case_events), events)


def _with_what_sending_needs(session: Session, rows: Sequence[RowMapping]) -> list[ClaimedDraft]:
    """The claimed rows as drafts, each with its addresses that bounced and, if scheduled, where its customer is.

    Read with the claim, on the thread that claims: the sending thread then never
    waits for the database between two messages.
    """
    dead = bounced_among(session, (address for row in rows for address in row["to_addrs"]))
    customers = {row["customer_id"] for row in rows if row["scheduled_for"] and row["customer_id"]}
    files = _attached_files(session, rows)
    places: dict[int, Place] = {}
    if customers:
        found = session.execute(
            select(Customer.id, Customer.timezone, Customer.country).where(Customer.id.in_(customers))
        )
        places = {customer.id: Place(customer.timezone, customer.country) for customer in found}
    return [
        ClaimedDraft(
            **{field: row[column] for column, field in _SENDING.items()},
            to=tuple(row["to_addrs"]),
            cc=tuple(row["cc_addrs"] or ()),
            references=tuple(row["thread_refs"]),
            bounced=tuple(address for address in row["to_addrs"] if address.lower() in dead),
            place=places.get(row["customer_id"]) if row["scheduled_for"] else None,
            attachments=tuple(files[i] for i in row["attachment_ids"] or () if i in files),
        )
        for row in rows
    ]


def _attached_files(session: Session, rows: Sequence[RowMapping]) -> dict[int, AttachedFile]:
    """The files the claimed drafts carry, by attachment id: one query, and none when they carry none."""
    wanted = {attachment_id for row in rows for attachment_id in row["attachment_ids"] or ()}
    if not wanted:
        return {}
    found = session.execute(
        select(
            StoredAttachment.id,
            StoredAttachment.filename,
            StoredAttachment.content_type,
            StoredAttachment.sha256,
        ).where(StoredAttachment.id.in_(wanted), StoredAttachment.stored.is_(True))
    )
    return {row.id: AttachedFile(row.filename, row.content_type, row.sha256) for row in found}


_table = cast(Table, Draft.__table__)
# Column -> ClaimedDraft field, for the columns copied as they are (the address and reference
# lists become tuples).
_SENDING = {
    "id": "id", "kind": "kind", "policy": "policy", "mailbox": "mailbox", "customer_id": "customer_id",
    "case_id": "case_id", "from_addr": "from_addr", "subject": "subject", "text": "body", "html": "html",
    "message_id": "message_id", "in_reply_to": "in_reply_to", "attempts": "attempts", "failure": "failure",
    "scheduled_for": "scheduled_for",
}  # fmt: skip
_RETURNED = (*_SENDING, "to_addrs", "thread_refs", "cc_addrs", "attachment_ids")
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


def _state(outcome: Outcome, draft: ClaimedDraft, now: datetime) -> dict[str, Any]:
    went = outcome.result in ("sent", "found")
    status = {"sent": "sent", "found": "sent", "failed": "failed"}.get(outcome.result, "approved")
    return {
        "draft_id": outcome.draft_id,
        "new_status": status,
        "new_attempts": outcome.attempts or draft.attempts,
        "new_next_attempt_at": outcome.next_attempt_at,
        "new_failure": "" if went else (outcome.detail or draft.failure),
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


_contacts = cast(Table, Contact.__table__)


def _of_buyer(column: Any) -> Any:
    """The column, except for an internal notice (drafts/internal): it went to colleagues, so it is
    neither a contact with the customer nor an answer to the case (the reports' first answer)."""
    return case((_table.c.kind == "internal", null()), else_=column)


_cases = cast(Table, Case.__table__)
_case_events = cast(Table, CaseEvent.__table__)
_dedupe_key = literal("mid:") + _table.c.message_id


@dataclass(frozen=True)
class _Statements:
    """What the record of a batch runs: the new states, then INSERT ... SELECT and UPDATE over its ids.

    On PostgreSQL the ids go as one array (`id = ANY(:ids)`), and the states as one array
    per column: each statement's text stays the same whatever the batch's size, so it is
    prepared once, and the server gets one statement instead of one per draft. SQLite has
    no arrays: an expanding IN list and executemany, which cost little in-process.
    """

    log_contacts: Any
    sent_events: Any
    acknowledge: Any
    arrays: bool

    def set_states(self, connection: Connection, states: list[dict[str, Any]], now: datetime) -> None:
        if self.arrays:
            columns = {key: [state[key] for state in states] for key in _STATE_KEYS}
            connection.execute(_STATE_UPDATE_ARRAYS, {**columns, "now": now})
        else:
            connection.execute(_STATE_UPDATE, states)


def _statements(ids: Any, arrays: bool) -> _Statements:
    sent = and_(ids, _table.c.status == "sent")
    # The outbound contact of each message that went, unless the Sent folder's watcher logged it first.
    log_contacts = insert(_contacts).from_select(
        [
            "direction", "customer_id", "case_id", "mailbox", "folder", "dedupe_key", "message_id", "in_reply_to",
            "thread_refs", "sender", "reply_to", "subject", "body", "at", "tags", "reasons", "severity", "language",
            "trade_refs", "automatic", "created_at",
        ],
        select(
            literal("out"), _of_buyer(_table.c.customer_id), _of_buyer(_table.c.case_id), _table.c.mailbox,
            bindparam("folder", type_=String), _dedupe_key, _table.c.message_id, _table.c.in_reply_to,
            _table.c.thread_refs, bindparam("sender", type_=String), literal(""), _table.c.subject, _table.c.text,
            _table.c.sent_at, literal([], JSON), literal([], JSON), literal("low"), literal(""), literal([], JSON),
            _table.c.policy == "auto", bindparam("now", type_=UTCDateTime),
        ).where(sent, ~exists().where(_contacts.c.dedupe_key == _dedupe_key)),
    )  # fmt: skip
    sent_events = insert(cast(Table, DraftEvent.__table__)).from_select(
        ["draft_id", "at", "actor", "action", "detail"],
        select(_table.c.id, _table.c.sent_at, literal("mailflow"), literal("sent"), literal("")).where(sent),
    )
    # Only from open: a case a person already moved on (assessed, agreed...) keeps its state.
    acknowledge = (
        _cases.update()
        .where(
            _cases.c.status == "open",
            _cases.c.id.in_(select(_table.c.case_id).where(sent, _table.c.kind == "ack")),
        )
        .values(status="acknowledged")
        .returning(_cases.c.id)
    )
    return _Statements(log_contacts, sent_events, acknowledge, arrays)


_BY_DIALECT = {
    "postgresql": _statements(_table.c.id == any_(bindparam("ids", type_=postgresql.ARRAY(Integer))), True),
    "sqlite": _statements(_table.c.id.in_(bindparam("ids", expanding=True)), False),
}
_STATE_KEYS = ("draft_id", "new_status", "new_attempts", "new_next_attempt_at", "new_failure", "new_sent_at")
# _STATE_UPDATE for a whole batch in one statement, on PostgreSQL: one array per column, unnested into rows.
_STATE_UPDATE_ARRAYS = text(
    "UPDATE drafts SET status = v.status, attempts = v.attempts, next_attempt_at = v.next_attempt_at,"
    " failure = v.failure, sent_at = v.sent_at, claimed_at = NULL, updated_at = :now"
    " FROM unnest(CAST(:draft_id AS integer[]), CAST(:new_status AS varchar[]), CAST(:new_attempts AS integer[]),"
    " CAST(:new_next_attempt_at AS timestamptz[]), CAST(:new_failure AS text[]),"
    " CAST(:new_sent_at AS timestamptz[])) AS v(id, status, attempts, next_attempt_at, failure, sent_at)"
    " WHERE drafts.id = v.id AND drafts.status = 'sending'"
)
