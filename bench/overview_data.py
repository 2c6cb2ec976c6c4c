"""A year of an export sales team's records for bench/overview.py, inserted in bulk with SQLAlchemy Core.

At scale 1: 10,000 customers (classes A/B/C in 15 countries and their time
zones), 5,000 complaint cases (open ones recent, most old ones resolved),
200,000 contacts (each case's thread of buyer messages and our answers, then
everyday mail in and out and notes of calls over the year, most with a
customer, subjects and bodies carrying PO, PI, B/L, container and invoice
numbers in contacts.trade_refs as the pipeline writes them), 30,000 invoices
in five currencies (paid, partly paid, cancelled, held, open, overdue), with
their payments, and 2,000 drafts in every status with their audit events.
Seeded: the same scale on the same day gives the same rows.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any

from sqlalchemy import Engine, Table, text

from mailflow.inbound.classify.references import iso6346_check_digit
from mailflow.store.models import (
    BouncedAddress,
    Case,
    Contact,
    Customer,
    Draft,
    DraftEvent,
    Invoice,
    Payment,
)

FULL = {"customers": 10_000, "contacts": 200_000, "invoices": 30_000, "cases": 5_000, "drafts": 2_000}
# (country, language, time zone, currency, share of the customers)
COUNTRIES = (
    ("US", "en", "America/New_York", "USD", 14), ("US", "en", "America/Los_Angeles", "USD", 8),
    ("DE", "de", "Europe/Berlin", "EUR", 10), ("GB", "en", "Europe/London", "GBP", 7),
    ("FR", "fr", "Europe/Paris", "EUR", 6), ("ES", "es", "Europe/Madrid", "EUR", 6),
    ("MX", "es", "America/Mexico_City", "USD", 6), ("BR", "pt", "America/Sao_Paulo", "USD", 6),
    ("AU", "en", "Australia/Sydney", "AUD", 5), ("AE", "ar", "Asia/Dubai", "USD", 7),
    ("JP", "ja", "Asia/Tokyo", "JPY", 4), ("RU", "ru", "Europe/Moscow", "USD", 6),
    ("ZA", "en", "Africa/Johannesburg", "USD", 4), ("CL", "es", "America/Santiago", "USD", 5),
    ("IN", "en", "Asia/Kolkata", "USD", 6),
)  # fmt: skip
CATEGORIES = ("quality", "contract", "shipping", "service")
CATEGORY_WEIGHTS = (40, 15, 30, 15)
# How much more often a class hears from us and complains: A customers are a tenth of the list.
CLASS_WEIGHT = {"A": 8, "B": 3, "C": 1, "": 1}
EVERYDAY_SUBJECTS = (
    "Order PO{po}: shipping schedule", "PI {pi} for the blue mugs, please confirm",
    "Payment of invoice {inv}", "B/L {bl} draft for checking", "Re: container {container} ETA",
    "New catalogue and prices for 2027", "Samples for PO{po}", "关于订单{po}的付款", "Pedido {po}: fecha de embarque",
)  # fmt: skip
COMPLAINT_SUBJECTS = (
    "Broken cartons in container {container}", "Wrong colour in PO {po}", "货物破损投诉 订单{po}",
    "Shipment of PO{po} is three weeks late", "Quality problem with PI {pi}", "Los platos del pedido {po} llegaron rotos",
)  # fmt: skip
BODY = (
    "Dear team,\n\n{subject}. Please check PO {po} and PI {pi}; the B/L is {bl} and the container "
    "{container}. Invoice {inv} is attached for your reference.\n\nBest regards\n{name}\n{company}\n"
)


class Generator:
    """Builds the rows table by table; ids are given here so rows can point at each other."""

    def __init__(self, scale: float, now: datetime) -> None:
        self.random = random.Random(19)
        self.now = now
        self.counts = {name: max(10, int(count * scale)) for name, count in FULL.items()}
        self.customers: list[dict[str, Any]] = []
        self.uid = 0
        self.deals: list[dict[str, str]] = []

    def all_tables(self) -> Iterator[tuple[Table, list[dict[str, Any]]]]:
        yield Customer.__table__, self.customer_rows()  # type: ignore[misc]
        cases, case_contacts = self.case_rows()
        yield Case.__table__, cases  # type: ignore[misc]
        contacts = case_contacts + self.everyday_contacts(self.counts["contacts"] - len(case_contacts))
        yield Contact.__table__, in_time_order(contacts, "at")  # type: ignore[misc]
        first_ins = {row["case_id"]: row["id"] for row in reversed(contacts) if row["direction"] == "in"}
        invoices, payments = self.invoice_rows()
        yield Invoice.__table__, invoices  # type: ignore[misc]
        yield Payment.__table__, payments  # type: ignore[misc]
        drafts, events = self.draft_rows(cases, first_ins)
        yield Draft.__table__, drafts  # type: ignore[misc]
        yield DraftEvent.__table__, events  # type: ignore[misc]
        yield BouncedAddress.__table__, self.bounce_rows()  # type: ignore[misc]

    # -- customers and their complaints ---------------------------------------------------

    def customer_rows(self) -> list[dict[str, Any]]:
        pick, rows = self.random, []
        weights = [country[4] for country in COUNTRIES]
        for index in range(1, self.counts["customers"] + 1):
            country, language, zone, currency, _ = pick.choices(COUNTRIES, weights)[0]
            klass = pick.choices(("A", "B", "C", ""), (8, 16, 56, 20))[0]  # "" = the class comes from sales
            domain = f"importer{index}.{country.lower()}.example"
            rows.append({
                "id": index, "email": f"buyer{index}@{domain}", "name": f"Buyer {index}",
                "company": f"{country} Imports {index}", "domain": domain, "country": country,
                "language": language, "timezone": zone, "class_set": klass,
                "annual_sales": Decimal(int(pick.lognormvariate(11, 1.2))), "opted_out": pick.random() < 0.02,
                "listed": pick.random() < 0.6, "created_at": self.now - timedelta(days=pick.uniform(30, 1500)),
            })  # fmt: skip
            self.customers.append({**rows[-1], "currency": currency})
        # Cumulative once: random.choices would add up 10,000 weights on every call.
        self.cumulative = list(accumulate(CLASS_WEIGHT[customer["class_set"]] for customer in self.customers))
        return rows

    def customer(self) -> dict[str, Any]:
        return self.random.choices(self.customers, cum_weights=self.cumulative)[0]

    def case_rows(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        pick, cases, contacts = self.random, [], []
        # Ids grow with time as in a real database: the oldest case first. More cases lately.
        ages = sorted(
            (pick.uniform(0, 365) ** 1.15 / 365**0.15 for _ in range(self.counts["cases"])), reverse=True
        )
        for case_id, age in enumerate(ages, start=1):
            customer = self.customer()
            opened = self.now - timedelta(days=age)
            recent = age < 21
            status = pick.choices(
                ("open", "acknowledged", "resolved", "withdrawn"),
                (45, 40, 15, 0) if recent else (2, 5, 90, 3),
            )[0]
            refs = self.references()
            categories = sorted(set(pick.choices(CATEGORIES, CATEGORY_WEIGHTS, k=pick.choice((1, 1, 1, 2)))))
            subject = pick.choice(COMPLAINT_SUBJECTS).format(**refs)
            cases.append({
                "id": case_id, "customer_id": customer["id"], "subject": subject, "categories": categories,
                "severity": pick.choices(("high", "medium", "low"), (15, 50, 35))[0], "status": status,
                "opened_at": opened,
                "resolved_at": opened + timedelta(days=pick.uniform(2, 30)) if status == "resolved" else None,
            })  # fmt: skip
            contacts.extend(self.case_thread(case_id, customer, opened, status, subject, refs))
        return cases, contacts

    def case_thread(
        self, case_id: int, customer: dict[str, Any], opened: datetime, status: str, subject: str, refs: Any
    ) -> Iterator[dict[str, Any]]:
        """The buyer's complaint, our answer hours later (unless still unanswered), then a few more."""
        pick, at = self.random, opened
        tags = [f"complaint:{category}" for category in CATEGORIES if category in subject.lower()] or [
            "complaint:quality"
        ]
        yield self.contact("in", customer, at, subject, refs, case_id, tags)
        if status == "open" and pick.random() < 0.6:
            return
        for turn in range(pick.randint(1, 5)):
            at += timedelta(hours=pick.lognormvariate(1.8, 1.1))
            if at > self.now:
                return
            yield self.contact(
                "out" if turn % 2 == 0 else "in", customer, at, "Re: " + subject, refs, case_id
            )

    # -- the contact log ------------------------------------------------------------------

    def everyday_contacts(self, count: int) -> list[dict[str, Any]]:
        pick, rows = self.random, []
        for _ in range(count):
            direction = pick.choices(("in", "out", "manual"), (52, 42, 6))[0]
            customer = self.customer() if pick.random() < 0.93 or direction == "manual" else None
            at = self.now - timedelta(days=pick.uniform(0, 365))
            refs = self.references()
            subject = pick.choice(EVERYDAY_SUBJECTS).format(**refs)
            tags = ["payment:paid"] if "Payment" in subject and direction == "in" else []
            rows.append(self.contact(direction, customer, at, subject, refs, None, tags))
        return rows

    def contact(
        self, direction: str, customer: dict[str, Any] | None, at: datetime, subject: str,
        refs: dict[str, str], case_id: int | None, tags: list[str] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        self.uid += 1
        sender = customer["email"] if customer else f"someone{self.uid}@unknown.example"
        name, company = (customer["name"], customer["company"]) if customer else ("Someone", "")
        manual = direction == "manual"
        return {
            "direction": direction, "customer_id": customer and customer["id"],
            "case_id": case_id, "mailbox": "" if manual else "sales",
            "folder": None if manual else ("INBOX" if direction == "in" else "Sent"),
            "uidvalidity": None if manual else 1, "uid": None if manual else self.uid,
            "dedupe_key": f"bench:{self.uid}", "message_id": "" if manual else f"{self.uid}.bench@x.example",
            "in_reply_to": "", "thread_refs": [], "sender": sender if direction == "in" else "sales@ningbo-homeware.example",
            "reply_to": "", "subject": "call" if manual else subject,
            "body": BODY.format(subject=subject, name=name, company=company, **refs), "full_text": "", "html": "",
            "at": at, "tags": tags or [], "reasons": [f"rule {tag}" for tag in tags or []],
            "severity": "medium" if tags else "low", "language": customer["language"] if customer else "en",
            "trade_refs": [{"kind": kind, "value": refs[kind].upper()} for kind in ("po", "pi", "bl", "container")],
            "automatic": False, "arrived_at": at + timedelta(seconds=self.random.uniform(1, 600)),
            "history": False, "created_at": at + timedelta(seconds=700),
        }  # fmt: skip

    def references(self) -> dict[str, str]:
        """A deal's numbers: one of a few thousand, as a PO is written about again and again."""
        if len(self.deals) < 4_000:
            self.deals.append(self.new_deal())
            return self.deals[-1]
        return self.random.choice(self.deals)

    def new_deal(self) -> dict[str, str]:
        pick = self.random
        owner, serial = pick.choice(("CSQU", "MSCU", "TGHU", "COSU")), f"{pick.randint(0, 999_999):06d}"
        return {
            "po": f"4500{pick.randint(0, 999_999):06d}", "pi": f"NB{pick.randint(2025, 2026)}-{pick.randint(1, 9999):04d}",
            "bl": f"COSU{pick.randint(10**9, 10**10 - 1)}",
            "container": f"{owner}{serial}{iso6346_check_digit(owner + serial)}", "inv": f"INV-{pick.randint(1, 99_999):05d}",
        }  # fmt: skip

    # -- receivables ----------------------------------------------------------------------

    def invoice_rows(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        pick, today, invoices, payments = self.random, self.now.date(), [], []
        ages = sorted((int(pick.uniform(0, 540)) for _ in range(self.counts["invoices"])), reverse=True)
        for invoice_id, age in enumerate(ages, start=1):
            customer = self.customer()
            currency = customer["currency"] if pick.random() < 0.4 else "USD"
            amount = Decimal(int(pick.uniform(800, 120_000) * (150 if currency == "JPY" else 1)))
            issued = today - timedelta(days=age)
            due = issued + timedelta(days=pick.choice((30, 45, 60, 90)))
            overdue = (today - due).days
            share = (93, 3, 4) if overdue > 120 else (60, 10, 30) if overdue > 0 else (10, 2, 88)
            state = (
                "cancelled" if pick.random() < 0.03 else pick.choices(("paid", "partial", "open"), share)[0]
            )
            paid = amount if state == "paid" else (amount * Decimal("0.3")).quantize(Decimal(1)) if state == "partial" else Decimal(0)  # fmt: skip
            paid_on = min(today, due + timedelta(days=int(pick.uniform(-20, 40)))) if paid else None
            held = state in ("open", "partial") and overdue > 0 and pick.random() < 0.08
            invoices.append({
                "id": invoice_id, "number": f"INV-{issued.year}-{invoice_id:06d}", "customer_id": customer["id"],
                "amount": amount, "currency": currency, "issued": issued, "due": due, "paid_amount": paid,
                "paid_on": paid_on if state == "paid" else None, "order_ref": f"PO{4500000000 + invoice_id}",
                "cancelled": state == "cancelled", "hold": "the buyer says it is paid" if held else "",
                "created_at": datetime.combine(issued, datetime.min.time(), UTC),
            })  # fmt: skip
            if paid:
                payments.append(self.payment(len(payments) + 1, invoice_id, paid, paid_on or due))
        return invoices, payments

    @staticmethod
    def payment(payment_id: int, invoice_id: int, amount: Decimal, on: date) -> dict[str, Any]:
        at = datetime.combine(on, datetime.min.time(), UTC)
        return {
            "id": payment_id,
            "invoice_id": invoice_id,
            "amount": amount,
            "on": on,
            "source": "import",
            "at": at,
        }

    # -- drafts ---------------------------------------------------------------------------

    def draft_rows(
        self, cases: list[dict[str, Any]], first_ins: dict[int, int]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        pick, drafts, events = self.random, [], []
        statuses = ("pending_review", "approved", "sending", "sent", "rejected", "failed", "cancelled")
        for draft_id in range(1, self.counts["drafts"] + 1):
            status = pick.choices(statuses, (12, 2, 1, 62, 15, 4, 4))[0]
            kind = pick.choices(
                ("ack", "followup", "satisfaction", "update", "reminder"), (35, 20, 10, 20, 15)
            )[0]
            case = pick.choice(cases) if kind in ("ack", "followup", "satisfaction") else None
            customer = self.customers[case["customer_id"] - 1] if case else self.customer()
            age = (
                pick.uniform(0, 5)
                if status in ("pending_review", "approved", "sending")
                else pick.uniform(0, 180)
            )
            created = self.now - timedelta(days=age)
            subject = (
                f"Re: {case['subject']}"
                if case
                else f"News from Ningbo Homeware, week {created.isocalendar()[1]}"
            )
            drafts.append({
                "id": draft_id, "kind": kind, "status": status, "policy": "required", "mailbox": "sales",
                "customer_id": customer["id"], "case_id": case and case["id"],
                "contact_id": first_ins.get(case["id"]) if case else None,
                "from_addr": "Ningbo Homeware Sales <sales@ningbo-homeware.example>", "recipient": customer["email"],
                "to_addrs": [customer["email"]], "subject": subject,
                "text": f"Dear {customer['name']},\n\nThank you for your message.\n\nBest regards\nNingbo Homeware Sales\n",
                "html": None, "in_reply_to": "", "thread_refs": [], "message_id": f"<draft{draft_id}.bench@ningbo-homeware.example>",
                "idempotency_key": f"{kind}:bench:{draft_id}", "template": kind, "template_inputs": {}, "tags": [],
                "reasons": [], "failure": "550 mailbox unavailable" if status == "failed" else "", "attempts": 1 if status in ("sent", "failed") else 0,
                "next_attempt_at": None, "claimed_at": None, "sent_at": created + timedelta(hours=2) if status == "sent" else None,
                "scheduled_for": None, "created_at": created, "updated_at": created + timedelta(hours=1),
            })  # fmt: skip
        for draft in in_time_order(drafts, "created_at"):
            events.extend(self.draft_events(len(events), draft["id"], draft["status"], draft["created_at"]))
        return drafts, events

    @staticmethod
    def draft_events(before: int, draft_id: int, status: str, created: datetime) -> list[dict[str, Any]]:
        actions = {
            "pending_review": ["created"], "approved": ["created", "approved"],
            "sending": ["created", "approved", "sending"], "sent": ["created", "approved", "sending", "sent"],
            "rejected": ["created", "rejected"], "failed": ["created", "approved", "sending", "failed"],
            "cancelled": ["created", "cancelled"],
        }[status]  # fmt: skip
        return [
            {"id": before + index + 1, "draft_id": draft_id, "at": created + timedelta(minutes=30 * index),
             "actor": "system" if action == "created" else "manager", "action": action, "detail": ""}
            for index, action in enumerate(actions)
        ]  # fmt: skip

    def bounce_rows(self) -> list[dict[str, Any]]:
        count = max(1, self.counts["customers"] // 300)
        return [
            {"email": customer["email"], "first_at": self.now - timedelta(days=3), "last_at": self.now,
             "reports": 1, "report_message_id": "", "cleared_at": None, "cleared_by": ""}
            for customer in self.random.sample(self.customers, count)
        ]  # fmt: skip


def in_time_order(rows: list[dict[str, Any]], moment: str) -> list[dict[str, Any]]:
    """Ids given in the order of time, as rows are added in a real database."""
    rows.sort(key=lambda row: row[moment])
    for row_id, row in enumerate(rows, start=1):
        row["id"] = row_id
    return rows


def fill(engine: Engine, scale: float, now: datetime) -> dict[str, int]:
    """Inserts every table in one transaction; returns the rows per table."""
    inserted: dict[str, int] = {}
    with engine.begin() as connection:
        for table, rows in Generator(scale, now).all_tables():
            for start in range(0, len(rows), 5_000):
                connection.execute(table.insert(), rows[start : start + 5_000])
            inserted[table.name] = inserted.get(table.name, 0) + len(rows)
        if engine.dialect.name == "postgresql":
            # The ids were given above: the sequences must start after them for rows added later.
            for name in inserted.keys() - {"bounced_addresses"}:  # names of our tables, not input
                sequence = f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), max(id)) FROM {name}"  # noqa: S608
                connection.execute(text(sequence))
    # Statistics for the planners, and on PostgreSQL the visibility map that lets it answer from an
    # index alone: autovacuum does both for a live database (inserts trigger it since PostgreSQL 13).
    settle = "VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "ANALYZE"
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(settle))
    return inserted
