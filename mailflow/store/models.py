"""The database schema as SQLAlchemy 2.0 typed models. Times are stored in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(300), default="")
    company: Mapped[str] = mapped_column(String(300), default="")
    domain: Mapped[str] = mapped_column(String(255), default="", index=True)
    # From the reps' customer list (mailflow customers import); empty until imported.
    country: Mapped[str] = mapped_column(String(2), default="")  # ISO 3166 alpha-2
    language: Mapped[str] = mapped_column(String(10), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="")
    class_set: Mapped[str] = mapped_column(String(1), default="")  # A/B/C as the file says; "" = from sales
    annual_sales: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    listed: Mapped[bool] = mapped_column(Boolean, default=False)  # on the reps' list: gets the updates
    # The buyer's payment run days of the month, "10,25" ("" = none): the "before due" reminder
    # arrives ahead of the run (ledger/payment_runs). Migration 0009, as are the columns below.
    payment_days: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # The most the buyer may owe, in credit_limit_currency (None = no limit; ledger/credit_holds).
    credit_limit: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    credit_limit_currency: Mapped[str] = mapped_column(String(3), default="", server_default="")
    # The credit hold as last evaluated (None = not on hold): its start and the human reason.
    credit_hold_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    credit_hold_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# open -> acknowledged -> assessed -> agreed -> in_progress -> resolved (inbound/case_states says
# which moves exist); withdrawn: a reviewer found it was no complaint. Every other state is open work.
CLOSED_CASE_STATUSES = ("resolved", "withdrawn")


class Case(Base):
    """A complaint from first message to a satisfied customer."""

    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    severity: Mapped[str] = mapped_column(String(10), default="medium")
    status: Mapped[str] = mapped_column(String(20), default="open")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # `mailflow cases resolve`
    # The workflow (issue 20, migration 0008): who owns it, who is responsible ("" = not assessed),
    # the agreed solution ("" = none agreed; amount only with its ISO 4217 currency), a short note.
    owner: Mapped[str] = mapped_column(String(100), default="", server_default="")  # a reviewer's name
    responsibility: Mapped[str] = mapped_column(String(20), default="", server_default="")
    solution_kind: Mapped[str] = mapped_column(String(20), default="", server_default="")
    solution_amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))
    solution_currency: Mapped[str] = mapped_column(String(3), default="", server_default="")
    solution_due: Mapped[date | None] = mapped_column(Date)
    # How many solutions were agreed and how often the buyer reopened it: the n of the drafts'
    # idempotency keys `solution:case:<id>:<n>` and `ack:case:<id>:reopen-<n>`.
    solutions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reopened: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    customer: Mapped[Customer] = relationship(lazy="raise")


class CaseEvent(Base):
    """The case's timeline: who changed what and when (detail: JSON of what was set). Kept forever."""

    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    # acknowledged | assigned | assessed | agreed | started | resolved | reopened | noted | withdrawn
    action: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Contact(Base):
    """One entry of the contact log: a message in or out, or a note of a call or visit."""

    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("mailbox", "folder", "uidvalidity", "uid", name="uq_contact_location"),
        # Each customer's last contact (neglected customers) and each case's first message in
        # and first answer out (response times, unanswered complaints) are read from these
        # indexes alone, without the wide rows (issue #19); they lead with the columns the
        # single-column indexes they replace held.
        Index("ix_contacts_customer_moments", "customer_id", "direction", "at", "arrived_at"),
        Index("ix_contacts_case_moments", "case_id", "direction", "at", "arrived_at"),
    )
    # Not in this metadata: the search's trigram indexes, pg_trgm's (migration 0007, PostgreSQL) and
    # the FTS5 table `contacts_search` with the triggers that keep it (0012, SQLite; review/text_index
    # reads it). A migration that rebuilds this table in SQLite's batch mode must create those again.
    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(10))  # in | out | manual
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    mailbox: Mapped[str] = mapped_column(String(100), default="")
    folder: Mapped[str | None] = mapped_column(String(300))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    uid: Mapped[int | None] = mapped_column(BigInteger)
    dedupe_key: Mapped[str] = mapped_column(String(1000), unique=True)
    message_id: Mapped[str] = mapped_column(String(1000), default="", index=True)
    in_reply_to: Mapped[str] = mapped_column(String(1000), default="")
    thread_refs: Mapped[list[str]] = mapped_column(JSON, default=list)
    sender: Mapped[str] = mapped_column(String(320), default="")
    reply_to: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")  # the new text only
    full_text: Mapped[str] = mapped_column(Text, default="")  # with the quoted history, for the review page
    html: Mapped[str] = mapped_column(Text, default="")  # the HTML body as sent; sanitized before it is shown
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    severity: Mapped[str] = mapped_column(String(10), default="low")
    language: Mapped[str] = mapped_column(String(10), default="")
    trade_refs: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the message reached our server (INTERNALDATE), and whether it is history: in the
    # folder before mailflow first synced it, or older than the answer window. `at` is the
    # buyer's Date header, which their clock or a resend can put anywhere.
    arrived_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    history: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StoredAttachment(Base):
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    filename: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    stored: Mapped[bool] = mapped_column(Boolean)  # False when over the size cap
    is_photo: Mapped[bool] = mapped_column(Boolean, default=False)


class CaseEvidence(Base):
    """Photos and documents a buyer sent for a case, in the order they arrived."""

    __tablename__ = "case_evidence"
    __table_args__ = (UniqueConstraint("case_id", "attachment_id", name="uq_case_evidence"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Checkpoint(Base):
    """How far each folder has been processed; moves in the same transaction as the work."""

    __tablename__ = "checkpoints"
    mailbox: Mapped[str] = mapped_column(String(100), primary_key=True)
    folder: Mapped[str] = mapped_column(String(300), primary_key=True)
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    # The folder's UIDNEXT when mailflow first synced it: mail below it was there before us.
    watch_from_uid: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuarantinedMessage(Base):
    __tablename__ = "quarantine"
    __table_args__ = (
        UniqueConstraint("mailbox", "folder", "uidvalidity", "uid", name="uq_quarantine_location"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(100))
    folder: Mapped[str] = mapped_column(String(300))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=1)


class Draft(Base):
    """An outgoing message, from the moment it is written until it is sent (or not)."""

    __tablename__ = "drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    # ack | followup | satisfaction | update | reminder | solution | internal | digest
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    policy: Mapped[str] = mapped_column(String(10))  # required | auto
    mailbox: Mapped[str] = mapped_column(String(100))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    from_addr: Mapped[str] = mapped_column(String(400))
    recipient: Mapped[str] = mapped_column(String(320), index=True)  # the first To, for the per-sender limit
    to_addrs: Mapped[list[str]] = mapped_column(JSON)
    # People copied (Cc header and RCPT TO), such as the manager on an escalated reminder (issue 20).
    cc_addrs: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    subject: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    in_reply_to: Mapped[str] = mapped_column(String(1000), default="")
    thread_refs: Mapped[list[str]] = mapped_column(JSON, default=list)
    message_id: Mapped[str] = mapped_column(String(300), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(300), unique=True)
    template: Mapped[str] = mapped_column(String(200))
    template_inputs: Mapped[dict[str, object]] = mapped_column(JSON)
    # Stored attachments (attachments.id) it carries, in order: the photos of an internal notice
    # of a case (drafts/internal, issue 20, migration 0010). Read with the claim, sent as files.
    attachment_ids: Mapped[list[int]] = mapped_column(JSON, default=list, server_default="[]")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    failure: Mapped[str] = mapped_column(Text, default="")  # the last send failure, as the server said it
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # sends tried
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when 'sending' began or was renewed
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Scheduled mail only: when it was due. It goes out then or later, in the customer's business hours.
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DraftEvent(Base):
    """Who did what to a draft and when, with the diff of any edit. Kept forever."""

    __tablename__ = "draft_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    # created | edited | approved | rejected | sending | sent | retry | failed | recovered
    action: Mapped[str] = mapped_column(String(20))
    detail: Mapped[str] = mapped_column(Text, default="")


class TagCorrection(Base):
    """A reviewer's correction of a message's tags: kept forever, shown in the timeline, trains the model."""

    __tablename__ = "tag_corrections"
    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    old_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    new_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    old_severity: Mapped[str] = mapped_column(String(10))
    new_severity: Mapped[str] = mapped_column(String(10))


class BouncedAddress(Base):
    """An address mail could not be delivered to: no automatic mail until a person clears it."""

    __tablename__ = "bounced_addresses"
    email: Mapped[str] = mapped_column(String(320), primary_key=True)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reports: Mapped[int] = mapped_column(Integer, default=1)
    report_message_id: Mapped[str] = mapped_column(String(1000), default="")  # the latest report
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cleared_by: Mapped[str] = mapped_column(String(200), default="")


class Reviewer(Base):
    """A person who may approve drafts on the review page. Removed accounts stay for the audit trail."""

    __tablename__ = "reviewers"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id
    language: Mapped[str] = mapped_column(String(5), default="en")  # en | zh: the page's language
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginFailure(Base):
    """A refused login, kept for the login throttle (shared by every process serving the page)."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), index=True)
    # The client's address when it reached the page directly; "" through a trusted proxy, where
    # every reviewer shares the proxy's address and only the name is counted.
    remote: Mapped[str] = mapped_column(String(100), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class ReviewSession(Base):
    """A login on the review page; logging out, or removing the reviewer, deletes it."""

    __tablename__ = "review_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 of the cookie's token
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("reviewers.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Invoice(Base):
    """An invoice from the reps' list; the payment reminders (and the review page) read it."""

    __tablename__ = "invoices"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(100), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    currency: Mapped[str] = mapped_column(String(3))
    issued: Mapped[date] = mapped_column(Date)
    due: Mapped[date] = mapped_column(Date, index=True)
    paid_amount: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal("0"))
    paid_on: Mapped[date | None] = mapped_column(Date)  # the day the balance reached zero
    order_ref: Mapped[str] = mapped_column(String(100), default="")
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Why the reminders wait for a person ("" = they do not): the buyer says they paid, asks for
    # more time or disputes it. `mailflow invoices resume` or a recorded payment clears it.
    hold: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Payment(Base):
    """Money received against an invoice, as a person recorded it."""

    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200))  # "import" or the person who recorded it
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Tick(Base):
    """One scheduler tick's lease and last run: two daemons never run the same tick at once."""

    __tablename__ = "ticks"
    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200), default="")
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_started: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the book's "since the last tick"
    last_seconds: Mapped[float | None] = mapped_column(Float)
    last_result: Mapped[str] = mapped_column(Text, default="")
    next_run: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Worker(Base):
    """One running daemon, seen alive at heartbeat_at; the live ones share the mailboxes fairly."""

    __tablename__ = "workers"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)  # host:pid:random
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class MailboxLease(Base):
    """Which worker watches a mailbox; a lease not renewed within fetch.lease_seconds is free to take."""

    __tablename__ = "mailbox_leases"
    mailbox: Mapped[str] = mapped_column(String(200), primary_key=True)
    worker: Mapped[str | None] = mapped_column(String(200))
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    since: Mapped[datetime | None] = mapped_column(UTCDateTime)
