"""The database: the engine of each dialect, the session factory, checkpoints and the log queries.

`Store` is the handle every part gets; the SQL of each part lives beside it
(drafts, ledger, schedule, review queries), and the batch transaction that
records fetched mail with its checkpoint is the inbound side's
(mailflow.inbound.recording).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, make_url, select
from sqlalchemy.orm import sessionmaker

from mailflow.store.migrate import upgrade
from mailflow.store.models import (
    Case,
    CaseEvidence,
    Checkpoint,
    Contact,
    Customer,
    QuarantinedMessage,
)
from mailflow.store.private_files import create_private

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FolderState:
    uidvalidity: int
    last_uid: int
    watch_from_uid: int = 0  # the folder's UIDNEXT when mailflow first synced it


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        _private_database_file(url)
        engine = create_engine(url, connect_args={"timeout": 60, "check_same_thread": False})
        _sqlite_transactions(engine)
        return engine
    # UTF-8 on the wire whatever the server's default: on a SQL_ASCII database psycopg would
    # otherwise hand back bytes, and SQLAlchemy fail with a TypeError before our check can speak.
    return create_engine(url, pool_pre_ping=True, connect_args={"client_encoding": "utf8"})


def _private_database_file(url: str) -> None:
    """A new SQLite database starts as an empty file of ours, 0600: SQLite would make it 0644 less the umask.

    SQLite takes an empty file for a new database, and gives its -wal and -shm
    files the database file's mode. Where the folder is missing, SQLite's own
    error says so when it connects; in-memory and URI-form databases are left to it.
    """
    parsed = make_url(url)
    name = parsed.database
    if not name or name == ":memory:" or "uri" in parsed.query:
        return
    path = Path(name)
    if path.parent.is_dir():
        create_private(path)


def _sqlite_transactions(engine: Engine) -> None:
    """Let SQLAlchemy, not pysqlite, run transactions, so savepoints and locks behave.

    BEGIN IMMEDIATE takes the write lock up front: two folder threads then queue
    instead of failing with "database is locked" when a reader turns writer.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        _write_ahead_log(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _write_ahead_log(cursor: Any) -> None:
    """WAL, once per database file (it persists). Switching needs a moment alone with a new file,
    and SQLite answers "locked" at once rather than waiting, when workers start together."""
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return
    deadline = time.monotonic() + 60
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class Store:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def create_schema(self) -> None:
        """The schema at the code's migration head (Alembic); a no-op when it is there already."""
        upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    # -- checkpoints ---------------------------------------------------------

    def folder_state(self, mailbox: str, folder: str) -> FolderState | None:
        with self.sessions() as session:
            row = session.get(Checkpoint, (mailbox, folder))
            return FolderState(row.uidvalidity, row.last_uid, row.watch_from_uid or 0) if row else None

    # -- queries for the CLI -------------------------------------------------

    def contacts(self, customer: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        with self.sessions() as session:
            query = (
                select(Contact, Customer.email)
                .outerjoin(Customer, Contact.customer_id == Customer.id)
                .order_by(Contact.at, Contact.id)
            )
            if customer:
                query = query.where(Customer.email == customer.strip().lower())
            if limit:
                query = query.limit(limit)
            return [_contact_dict(contact, email) for contact, email in session.execute(query)]

    def quarantined(self, include_resolved: bool = False) -> list[dict[str, Any]]:
        with self.sessions() as session:
            query = select(QuarantinedMessage).order_by(QuarantinedMessage.id)
            if not include_resolved:
                query = query.where(QuarantinedMessage.resolved_at.is_(None))
            return [
                {
                    "id": row.id,
                    "mailbox": row.mailbox,
                    "folder": row.folder,
                    "uid": row.uid,
                    "reason": row.reason,
                    "at": row.at.isoformat(),
                    "attempts": row.attempts,
                }
                for row in session.scalars(query)
            ]

    def quarantined_message(self, quarantine_id: int) -> QuarantinedMessage | None:
        with self.sessions() as session:
            return session.get(QuarantinedMessage, quarantine_id)

    def cases(self) -> list[dict[str, Any]]:
        evidence = (
            select(CaseEvidence.case_id, func.count(CaseEvidence.id).label("count"))
            .group_by(CaseEvidence.case_id)
            .subquery()
        )
        with self.sessions() as session:
            rows = session.execute(
                select(Case, Customer.email, func.coalesce(evidence.c.count, 0))
                .join(Customer, Case.customer_id == Customer.id)
                .outerjoin(evidence, evidence.c.case_id == Case.id)
                .order_by(Case.id)
            )
            return [
                {
                    "id": case.id,
                    "customer": email,
                    "subject": case.subject,
                    "categories": case.categories,
                    "severity": case.severity,
                    "status": case.status,
                    "opened_at": case.opened_at.isoformat(),
                    "resolved_at": case.resolved_at.isoformat() if case.resolved_at else None,
                    "evidence": int(count),
                }
                for case, email, count in rows
            ]


def _contact_dict(contact: Contact, customer_email: str | None) -> dict[str, Any]:
    return {
        "id": contact.id,
        "direction": contact.direction,
        "customer": customer_email,
        "mailbox": contact.mailbox,
        "folder": contact.folder,
        "message_id": contact.message_id,
        "in_reply_to": contact.in_reply_to,
        "subject": contact.subject,
        "at": _iso(contact.at),
        "tags": list(contact.tags),
        "reasons": list(contact.reasons),
        "severity": contact.severity,
        "language": contact.language,
        "references": list(contact.trade_refs),
        "case": contact.case_id,
        "automatic": contact.automatic,
    }


def _iso(value: datetime) -> str:
    return value.isoformat()
