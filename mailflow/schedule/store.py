"""The store's side of scheduling: the book the planner reads, what drafting needs, tick leases.

SQL, kept apart from the pure stages. Scheduled drafts are inserted with
ON CONFLICT (idempotency_key) DO NOTHING: the key is the claim, so two
schedulers that computed the same item write it once, whichever is first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update

from mailflow.ledger.business_hours import Place
from mailflow.ledger.companies import company_for
from mailflow.ledger.customer_classes import abc_classes
from mailflow.ledger.payment_runs import PaymentDaysError, parse_payment_days
from mailflow.schedule.planner import Book, BookCase, BookCustomer, BookInvoice, satisfaction_key
from mailflow.store.dialect import dialect_insert
from mailflow.store.engine import Store
from mailflow.store.models import (
    CLOSED_CASE_STATUSES,
    BouncedAddress,
    Case,
    CaseEvent,
    CaseEvidence,
    Contact,
    Customer,
    Draft,
    Invoice,
    Tick,
    utcnow,
)
from mailflow.store.new_drafts import insert_new_drafts

SCHEDULED_KINDS = ("followup", "satisfaction", "update", "reminder")
_WAITING = ("pending_review", "approved", "sending")
_STOPPED = ("rejected", "cancelled")


@dataclass(frozen=True)
class Thread:
    """Our latest message on a case that went out: follow-ups and checks continue its thread."""

    mailbox: str
    to: list[str]
    subject: str
    message_id: str
    references: list[str]
    language: str  # the thread's language: the rest of the conversation stays in it


class ScheduleStore:
    def __init__(self, store: Store) -> None:
        self.sessions = store.sessions
        self.dialect = store.engine.dialect.name

    # -- the book -------------------------------------------------------------

    def book(self, now: datetime, default_timezone: str) -> Book:
        with self.sessions() as session:
            if self.dialect == "postgresql":
                # One snapshot for every read. Under READ COMMITTED each statement has its own,
                # and a buyer's first mail committed between two of them made a case whose
                # customer the book had not read. SQLite's BEGIN IMMEDIATE serialises anyway.
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            companies = _companies(session)
            customers = self._customers(session, default_timezone)
            invoices = self._invoices(session, companies)
            cases = self._cases(session, companies)
            update_keys = frozenset(
                session.scalars(
                    select(Draft.idempotency_key).where(
                        Draft.kind == "update", Draft.scheduled_for >= now - timedelta(days=40)
                    )
                )
            )
            recent: dict[int, list[datetime]] = defaultdict(list)
            for customer_id, at in session.execute(
                select(Draft.customer_id, Draft.scheduled_for).where(
                    Draft.kind.in_(SCHEDULED_KINDS),
                    Draft.status.not_in(_STOPPED),
                    Draft.scheduled_for >= now - timedelta(days=8),
                )
            ):
                if customer_id is not None and at is not None:
                    recent[customer_id].append(at)
            last_tick = session.scalar(select(Tick.last_finished).where(Tick.name == "schedule"))
        return Book(
            {c.id: c for c in customers.values()},
            tuple(invoices),
            tuple(cases),
            update_keys,
            {key: tuple(value) for key, value in recent.items()},
            last_tick,
        )

    def _customers(self, session: Any, default_timezone: str) -> dict[int, BookCustomer]:
        rows = list(
            session.execute(
                select(
                    Customer.id, Customer.email, Customer.language, Customer.timezone, Customer.country,
                    Customer.class_set, Customer.annual_sales, Customer.opted_out, Customer.listed,
                    Customer.payment_days,
                )
            )
        )  # fmt: skip
        computed = abc_classes({row[0]: row[6] for row in rows if row[8]})
        dead = set(session.scalars(select(BouncedAddress.email).where(BouncedAddress.cleared_at.is_(None))))
        places: dict[tuple[str, str], Place] = {}  # shared: the planner caches its answers per place
        found = {}
        for id, email, language, timezone, country, class_set, _, opted_out, listed, payment_days in rows:
            where = (timezone or default_timezone, country)
            place = places.get(where) or places.setdefault(where, Place(*where))
            klass = (class_set or computed[id]) if listed else ""
            found[id] = BookCustomer(
                id, email, language or "en", place, klass, opted_out, email.lower() not in dead,
                _payment_days(payment_days),
            )  # fmt: skip
        return found

    def _invoices(self, session: Any, companies: dict[int, str]) -> list[BookInvoice]:
        open_invoices = list(
            session.execute(
                select(Invoice.id, Invoice.number, Invoice.customer_id, Invoice.due, Invoice.hold).where(
                    Invoice.cancelled.is_(False), Invoice.paid_amount < Invoice.amount
                )
            )
        )
        highest: dict[str, int] = {}
        for key in session.scalars(select(Draft.idempotency_key).where(Draft.kind == "reminder")):
            number, _, offset = key.removeprefix("reminder:").rpartition(":")
            highest[number] = max(int(offset), highest.get(number, int(offset)))
        held = self._held_companies(session, companies)
        return [
            BookInvoice(
                id,
                number,
                customer_id,
                due,
                hold or held.get(companies[customer_id], ""),
                highest.get(number),
            )
            for id, number, customer_id, due, hold in open_invoices
        ]

    def _held_companies(self, session: Any, companies: dict[int, str]) -> dict[str, str]:
        """Companies with an open contract complaint: their reminders wait until it is resolved."""
        held: dict[str, str] = {}
        rows = session.execute(
            select(Case.id, Case.customer_id, Case.categories).where(Case.status.not_in(CLOSED_CASE_STATUSES))
        )
        for case_id, customer_id, categories in rows:
            if "contract" in categories:
                held.setdefault(companies[customer_id], f"contract complaint, case {case_id}, is open")
        return held

    def _cases(self, session: Any, companies: dict[int, str]) -> list[BookCase]:
        followups: dict[int, list[str]] = defaultdict(list)
        satisfied: set[str] = set()  # the satisfaction checks' keys: one per resolution
        last_out: dict[int, datetime] = {}
        for case_id, kind, status, sent_at, key in session.execute(
            select(Draft.case_id, Draft.kind, Draft.status, Draft.sent_at, Draft.idempotency_key).where(
                Draft.case_id.is_not(None), Draft.kind.in_(("ack", "followup", "satisfaction"))
            )
        ):
            if kind == "followup":
                followups[case_id].append(status)
            if kind == "satisfaction":
                satisfied.add(key)
            if status == "sent" and kind in ("ack", "followup") and sent_at is not None:
                last_out[case_id] = max(sent_at, last_out.get(case_id, sent_at))
        last_in: dict[str, datetime] = {}
        for customer_id, at in session.execute(
            select(Contact.customer_id, func.max(Contact.at))
            .where(Contact.direction == "in", Contact.automatic.is_(False), Contact.customer_id.is_not(None))
            .group_by(Contact.customer_id)
        ):
            company = companies[customer_id]
            last_in[company] = max(at, last_in.get(company, at))
        # Every reopening is a "reopened" event in the case's timeline, whoever reopened it; the
        # counter on the case counts only the buyer's (their acknowledgements' keys).
        reopenings = dict(
            session.execute(
                select(CaseEvent.case_id, func.count(CaseEvent.id))
                .where(CaseEvent.action == "reopened")
                .group_by(CaseEvent.case_id)
            ).all()
        )
        cases = []
        for case in session.execute(
            select(Case.id, Case.customer_id, Case.status, Case.resolved_at).where(
                or_(Case.status.not_in(CLOSED_CASE_STATUSES), Case.resolved_at.is_not(None))
            )
        ):
            out = last_out.get(case.id)
            heard = last_in.get(companies[case.customer_id])
            statuses = followups.get(case.id, [])
            reopened = reopenings.get(case.id, 0)
            cases.append(
                BookCase(
                    case.id,
                    case.customer_id,
                    case.status,
                    out,
                    bool(out and heard and heard > out),
                    len(statuses),
                    any(status in _WAITING for status in statuses),
                    any(status in _STOPPED for status in statuses),
                    case.resolved_at,
                    satisfaction_key(case.id, reopened) in satisfied,
                    reopened,
                )
            )
        return cases

    # -- what drafting needs ---------------------------------------------------

    def customers(self, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        wanted = set(ids)
        with self.sessions() as session:
            columns = (Customer.id, Customer.email, Customer.name, Customer.company, Customer.language)
            rows = session.execute(select(*columns).where(Customer.id.in_(wanted)))
            return {
                row.id: {
                    "email": row.email,
                    "name": row.name,
                    "company": row.company,
                    "language": row.language,
                }
                for row in rows
            }

    def open_invoices(self, customer_ids: Iterable[int] | None = None) -> dict[int, list[Invoice]]:
        query = select(Invoice).where(Invoice.cancelled.is_(False), Invoice.paid_amount < Invoice.amount)
        if customer_ids is not None:
            query = query.where(Invoice.customer_id.in_(set(customer_ids)))
        found: dict[int, list[Invoice]] = defaultdict(list)
        with self.sessions() as session:
            for invoice in session.scalars(query.order_by(Invoice.due, Invoice.number)):
                found[invoice.customer_id].append(invoice)
        return found

    def invoices(self, ids: Iterable[int]) -> dict[int, Invoice]:
        with self.sessions() as session:
            return {i.id: i for i in session.scalars(select(Invoice).where(Invoice.id.in_(set(ids))))}

    def open_cases(self, customer_ids: Iterable[int]) -> dict[int, list[Case]]:
        found: dict[int, list[Case]] = defaultdict(list)
        with self.sessions() as session:
            query = select(Case).where(
                Case.status.not_in(CLOSED_CASE_STATUSES), Case.customer_id.in_(set(customer_ids))
            )
            for case in session.scalars(query.order_by(Case.id)):
                found[case.customer_id].append(case)
        return found

    def cases(self, ids: Iterable[int]) -> dict[int, tuple[Case, bool, Thread | None]]:
        """Each case, whether the buyer sent photos, and the thread of our latest message on it."""
        wanted = set(ids)
        found: dict[int, tuple[Case, bool, Thread | None]] = {}
        with self.sessions() as session:
            threads: dict[int, Thread] = {}
            rows = session.scalars(
                select(Draft)
                .where(Draft.case_id.in_(wanted), Draft.status == "sent", Draft.kind.in_(("ack", "followup")))
                .order_by(Draft.sent_at)
            )
            for draft in rows:
                assert draft.case_id is not None
                threads[draft.case_id] = Thread(
                    draft.mailbox,
                    list(draft.to_addrs),
                    draft.subject,
                    draft.message_id,
                    list(draft.thread_refs),
                    draft.template.rpartition(".")[2],
                )
            photos = set(
                session.scalars(select(CaseEvidence.case_id).where(CaseEvidence.case_id.in_(wanted)))
            )
            for case in session.scalars(select(Case).where(Case.id.in_(wanted))):
                found[case.id] = (case, case.id in photos, threads.get(case.id))
        return found

    # -- writing ---------------------------------------------------------------

    def create_drafts(self, rows: Sequence[dict[str, Any]], now: datetime) -> list[str]:
        """Insert the drafts whose keys are new; returns the keys written (the others existed)."""
        with self.sessions.begin() as session:
            return insert_new_drafts(session, rows, now)

    # -- tick leases -----------------------------------------------------------

    def claim_tick(self, name: str, owner: str, now: datetime, lease: timedelta) -> bool:
        """Ours to run now, unless another process holds an unexpired lease on it."""
        with self.sessions.begin() as session:
            session.execute(
                dialect_insert(self.dialect, Tick)
                .values(name=name)
                .on_conflict_do_nothing(index_elements=["name"])
            )
            taken = session.execute(
                update(Tick)
                .where(Tick.name == name, or_(Tick.lease_until.is_(None), Tick.lease_until < now))
                .values(owner=owner, lease_until=now + lease, last_started=now)
            )
            return bool(getattr(taken, "rowcount", 0) == 1)

    def finish_tick(
        self,
        name: str,
        owner: str,
        finished: datetime | None,
        seconds: float,
        result: str,
        next_run: datetime | None,
    ) -> None:
        """The lease given back; `finished` (None: the tick was cut short) moves "since the last tick"."""
        values: dict[str, Any] = {"lease_until": None, "last_seconds": seconds, "last_result": result}
        if finished is not None:
            values["last_finished"] = finished
        with self.sessions.begin() as session:
            session.execute(
                update(Tick).where(Tick.name == name, Tick.owner == owner).values(next_run=next_run, **values)
            )

    def ticks(self) -> list[dict[str, Any]]:
        with self.sessions() as session:
            return [
                {
                    "name": tick.name,
                    "owner": tick.owner,
                    "running": tick.lease_until is not None and tick.lease_until > utcnow(),
                    "last_started": tick.last_started.isoformat() if tick.last_started else None,
                    "last_seconds": tick.last_seconds,
                    "last_result": tick.last_result,
                    "next_run": tick.next_run.isoformat() if tick.next_run else None,
                }
                for tick in session.scalars(select(Tick).order_by(Tick.name))
            ]


def _payment_days(text: str) -> tuple[int, ...]:
    """The stored days ("10,25"); the import checked them, so a bad value here means none."""
    try:
        return parse_payment_days(text or "")
    except PaymentDaysError:
        return ()


def _companies(session: Any) -> dict[int, str]:
    """Customer id -> the company it belongs to: its mail domain, or itself on a free-mail address."""
    rows = session.execute(select(Customer.id, Customer.domain))
    return {id: (f"domain:{domain}" if company_for(domain) else f"customer:{id}") for id, domain in rows}
