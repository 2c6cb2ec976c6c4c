"""A small, hand-counted book for the report tests: the rows come in through the real doors.

The customer and invoice imports, mail recorded by record_batch (the buyer's
complaint in INBOX, our answer in Sent), drafts through the Outbox.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from email.message import EmailMessage

import time_machine

from mailflow.config.rules import default_ruleset
from mailflow.drafts.store import Outbox
from mailflow.inbound.pipeline import Arrival, process
from mailflow.inbound.recording import record_batch
from mailflow.ledger.sheet_records import CustomerRecord, InvoiceRecord
from mailflow.ledger.store import Ledger
from mailflow.store.engine import Store

OURS = "sales@ningbo-homeware.example"
MARIA, LIHUA, QUIET = (
    "maria@harbor-imports.example",
    "lihua@huamei-home.example",
    "buyer@quiet-trading.example",
)


def _at(day: int, hour: int, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def _mail(
    sender: str, to: str, subject: str, body: str, message_id: str, sent: datetime, answers: str = ""
) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"], message["Date"] = message_id, sent.strftime("%a, %d %b %Y %H:%M:%S +0000")
    if answers:
        message["In-Reply-To"] = message["References"] = answers
    message.set_content(body)
    return message.as_bytes()


class Book:
    """The store and the doors the test data comes through."""

    def __init__(self, store: Store) -> None:
        self.store, self.uid = store, 0
        self.rules = replace(default_ruleset(), model="off")

    def receive(
        self,
        sender: str,
        subject: str,
        body: str,
        message_id: str,
        arrived: datetime,
        dated: datetime | None = None,
    ) -> None:
        """`dated`: the buyer's Date header, when their clock is not the server's."""
        raw = _mail(sender, OURS, subject, body, message_id, dated or arrived)
        self._record("INBOX", raw, Arrival(arrived, history=False), arrived)

    def answer(self, to: str, message_id: str, sent: datetime) -> None:
        raw = _mail(OURS, to, "Re: your message", "We are sorry and will check it.", f"<re-{message_id[1:]}", sent,
                    answers=message_id)  # fmt: skip
        self._record("Sent", raw, None, sent)

    def _record(self, folder: str, raw: bytes, arrival: Arrival | None, now: datetime) -> None:
        self.uid += 1
        with time_machine.travel(now, tick=False):
            done = process(self.uid, raw, self.rules, frozenset({OURS}), folder == "Sent", arrival)
            record_batch(self.store, "sales", folder, 1, [done], {}, self.uid)

    def draft(self, key: str, status: str, created: datetime) -> None:
        row: dict[str, object] = {
            "kind": "ack", "status": status, "policy": "required", "mailbox": "sales", "from_addr": OURS,
            "recipient": MARIA, "to_addrs": [MARIA], "subject": "Re: crushed cartons", "text": "We are sorry.",
            "html": None, "message_id": f"<{key}@ningbo-homeware.example>", "idempotency_key": key,
            "template": "ack_shipping", "template_inputs": {},
        }  # fmt: skip
        with time_machine.travel(created, tick=False):
            assert Outbox(self.store).create_draft(row)


def _customer(email: str, klass: str) -> CustomerRecord:
    return CustomerRecord(email, "", "", "US", "en", "", klass, None, False)


def _invoice(
    number: str, email: str, amount: str, currency: str, due: date, paid: str = "0"
) -> InvoiceRecord:
    return InvoiceRecord(
        2, number, email, Decimal(amount), currency, date(2026, 6, 1), due, Decimal(paid), None, ""
    )


def sample_book(store: Store) -> Book:
    """Three listed customers (A, B, C), five invoices, two complaints, one answered."""
    ledger = Ledger(store)
    ledger.import_customers([_customer(MARIA, "A"), _customer(LIHUA, "B"), _customer(QUIET, "C")])
    ledger.import_invoices("invoices.csv", [
        _invoice("INV-1", MARIA, "5000", "USD", date(2026, 12, 10)),
        _invoice("INV-2", MARIA, "4000", "USD", date(2026, 11, 30), paid="2000"),  # a partial payment
        _invoice("INV-3", LIHUA, "50000", "CNY", date(2026, 8, 1), paid="20000"),
        _invoice("INV-4", LIHUA, "980", "USD", date(2026, 10, 1), paid="980"),  # paid in full
        _invoice("INV-5", LIHUA, "700", "USD", date(2026, 10, 1)),
    ])  # fmt: skip
    ledger.cancel("INV-5", "manager", "a credit note")
    book = Book(store)
    # Maria complains on a Monday morning and gets our answer three hours later.
    book.receive(MARIA, "Crushed cartons, PO 4500123", "Container CSQU3054383: 14 cartons crushed.", "<c1@x>",
                 _at(23, 10))  # fmt: skip
    book.answer(MARIA, "<c1@x>", _at(23, 13))
    # Li Hua complains on Friday evening; nobody has answered yet.
    book.receive(
        LIHUA, "Handles broken", "The mug handles are broken, quality is bad.", "<c2@x>", _at(27, 17)
    )
    return book
