"""Who watches which mailbox when several daemons share one database: leases with a heartbeat.

Every worker beats its row in `workers`; the live ones split the mailboxes
fairly (at most ceil(mailboxes / live workers) each). A lease row names the
worker watching a mailbox and when it last renewed; a lease not renewed for
`fetch.lease_seconds` belongs to a dead worker and is free to take. Taking
selects free rows with FOR UPDATE SKIP LOCKED on PostgreSQL, so two workers
reaching for the same mailbox at the same instant never wait on each other and
never both win (SQLite's BEGIN IMMEDIATE serialises them instead). Renewing
only touches rows the worker still holds, so a worker that was stalled past
its lease learns it has lost the mailbox instead of watching it twice.
"""

from __future__ import annotations

import math
import os
import secrets
import socket
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update

from mailflow.store.dialect import dialect_insert
from mailflow.store.engine import Store
from mailflow.store.models import MailboxLease, Worker


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def fair_share(mailboxes: int, live_workers: int) -> int:
    return math.ceil(mailboxes / max(1, live_workers))


class Leases:
    def __init__(self, store: Store, worker: str, lease: timedelta) -> None:
        self.sessions = store.sessions
        self.dialect = store.engine.dialect.name
        self.worker = worker
        self.lease = lease

    def _insert(self, table: Any) -> Any:
        return dialect_insert(self.dialect, table)

    def beat(self, now: datetime) -> int:
        """This worker is alive; returns how many are (itself included)."""
        insert = self._insert(Worker).values(id=self.worker, started_at=now, heartbeat_at=now)
        with self.sessions.begin() as session:
            session.execute(insert.on_conflict_do_update(index_elements=["id"], set_={"heartbeat_at": now}))
            # A worker silent for a long while is gone for good: keep the table short.
            session.execute(delete(Worker).where(Worker.heartbeat_at < now - 20 * self.lease))
            live = select(Worker.id).where(Worker.heartbeat_at >= now - self.lease)
            return len(session.scalars(live).all())

    def renew(self, mailboxes: Collection[str], now: datetime) -> set[str]:
        """The mailboxes still ours, their leases renewed; one taken over meanwhile is not among them."""
        with self.sessions.begin() as session:
            rows = session.execute(
                update(MailboxLease)
                .where(MailboxLease.worker == self.worker, MailboxLease.mailbox.in_(list(mailboxes)))
                .values(heartbeat_at=now)
                .returning(MailboxLease.mailbox)
            )
            return {row[0] for row in rows}

    def take(self, wanted: Collection[str], count: int, now: datetime) -> list[str]:
        """Up to `count` of `wanted` that are free or whose worker died, now ours."""
        if count <= 0 or not wanted:
            return []
        names = sorted(wanted)
        free = or_(MailboxLease.worker.is_(None), MailboxLease.heartbeat_at < now - self.lease)
        with self.sessions.begin() as session:
            session.execute(
                self._insert(MailboxLease)
                .values([{"mailbox": name} for name in names])
                .on_conflict_do_nothing(index_elements=["mailbox"])
            )
            candidates = list(
                session.scalars(
                    select(MailboxLease.mailbox)
                    .where(MailboxLease.mailbox.in_(names), free)
                    .order_by(MailboxLease.mailbox)
                    .limit(count)
                    .with_for_update(skip_locked=True)
                )
            )
            if not candidates:
                return []
            rows = session.execute(
                update(MailboxLease)
                .where(MailboxLease.mailbox.in_(candidates), free)
                .values(worker=self.worker, heartbeat_at=now, since=now)
                .returning(MailboxLease.mailbox)
            )
            return sorted(row[0] for row in rows)

    def release(self, mailboxes: Collection[str]) -> None:
        """Given back (after its watchers stopped): the next worker may take it at once."""
        if mailboxes:
            with self.sessions.begin() as session:
                session.execute(
                    update(MailboxLease)
                    .where(MailboxLease.worker == self.worker, MailboxLease.mailbox.in_(list(mailboxes)))
                    .values(worker=None, heartbeat_at=None, since=None)
                )

    def leave(self) -> None:
        """This worker stops: its row goes, so the others' fair share grows at their next beat."""
        with self.sessions.begin() as session:
            session.execute(delete(Worker).where(Worker.id == self.worker))
