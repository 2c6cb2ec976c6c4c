"""Reminders respect what buyers already wrote (issue #18, point 4), on SQLite and PostgreSQL.

A "we have paid" (part, more time, a dispute) that came before the invoice sheet
holds the new invoice at import; a payment or a cancellation cancels the
reminder drafts that wait; a reminder of a paid, cancelled or held invoice is
never approved; and the reviewer of a reminder sees what the buyer wrote.
"""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from mailflow.config import settings as config
from mailflow.drafts.states import ReviewError
from mailflow.drafts.store import Outbox
from mailflow.inbound.ingest import Ingest
from mailflow.ledger.sheet_records import CustomerRecord
from mailflow.ledger.store import Ledger
from mailflow.outbound.sender import Sender
from mailflow.schedule.tick import Scheduler
from mailflow.store.engine import Store
from mailflow.store.models import Draft
from tests.support.cli import run_mailflow
from tests.support.mail import buyer_mail
from tests.support.memory_source import MemorySource
from tests.support.settings import write_settings
from tests.support.smtp_sink import running_sink

MADRID = ZoneInfo("Europe/Madrid")
HEADER = "Invoice Number,Customer Email,Amount,Currency,Issued,Due,Paid Amount,Order\n"


class Office:
    """A database with its settings; the buyers' mail as it arrives; the rest through the command."""

    def __init__(self, tmp_path: Path, db_url: str, smtp_port: int | None = None) -> None:
        smtp = f'\n[mailbox.smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\nsave_sent = false\n'
        self.path = write_settings(tmp_path, db_url, 1, "u", "p", extra=smtp if smtp_port else "")
        self.path.write_text(
            self.path.read_text() + '\n[company]\nname = "Ningbo Homeware"\n\n[schedule]\n'
            "max_automatic_per_week = 9\n\n[schedule.updates]\nenabled = false\n"
        )
        self.tmp_path = tmp_path
        self.settings = config.load(self.path)
        self.store = Store(self.settings.database_url)
        self.ledger = Ledger(self.store)
        self.outbox = Outbox(self.store)
        self.inbox: list[bytes] = []

    def customers(self, *emails: str) -> None:
        self.ledger.import_customers([_customer(email) for email in emails])

    def receive(self, raw: bytes) -> None:
        self.inbox.append(raw)
        Ingest(self.settings, self.store).sync_folder(
            MemorySource(self.inbox), self.settings.mailboxes[0], "INBOX"
        )

    def import_invoices(self, *rows: str) -> str:
        sheet = self.tmp_path / "invoices.csv"
        sheet.write_text(HEADER + "".join(f"{row}\n" for row in rows), encoding="utf-8")
        done = self.mailflow("invoices", "import", str(sheet))
        assert done.returncode == 0, done.stderr
        return done.stdout

    def mailflow(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_mailflow(self.path, *args, env={"MAILFLOW_REVIEWER": "rep"})

    def invoices(self) -> dict[str, dict[str, str]]:
        return {invoice["number"]: invoice for invoice in self.ledger.invoices()}

    def reminder(self, number: str) -> dict[str, object]:
        (found,) = [
            d for d in self.outbox.drafts() if str(d["idempotency_key"]).startswith(f"reminder:{number}:")
        ]
        return found


def _customer(email: str) -> CustomerRecord:
    return CustomerRecord(
        email=email, name="Buyer", company="", country="ES", language="en", timezone="Europe/Madrid",
        class_set="", annual_sales=None, opted_out=False,
    )  # fmt: skip


def _row(number: str, email: str, due: date, amount: str = "1000.00") -> str:
    return f"{number},{email},{amount},EUR,{(due - timedelta(days=30)).isoformat()},{due.isoformat()},0,PO {number[-4:]}"


def _at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MADRID)


def test_payment_messages_before_the_invoice_sheet_hold_the_new_invoices(tmp_path: Path, db_url: str) -> None:
    office = Office(tmp_path, db_url)
    office.customers(
        "maria@harbor-imports.example", "ali@gulf-trading.example", "lihua@huamei-home.example",
        "tom@quiet-buyer.example", "old@settled-long-ago.example",
    )  # fmt: skip
    now = datetime.now(UTC)
    with time_machine.travel(now - timedelta(hours=16), tick=False):
        # Someone else at Harbor Imports (same company: same domain) says the invoice is paid.
        office.receive(
            buyer_mail(
                "Payment", "We have paid invoice INV-2041 in full.", "Pedro <pedro@harbor-imports.example>"
            )
        )
        office.receive(
            buyer_mail(
                "Our payment",
                "Sales are slow. Could you extend the payment by 30 days?",
                "ali@gulf-trading.example",
            )
        )
        office.receive(
            buyer_mail("INV-2043", "We paid half of invoice INV-2043 today; the rest of the balance will follow next month.", "lihua@huamei-home.example")
        )  # fmt: skip
    with time_machine.travel(now - timedelta(days=20), tick=False):  # older than the 14 days
        office.receive(
            buyer_mail("Paid", "We have paid invoice INV-2045 in full.", "old@settled-long-ago.example")
        )

    today = now.date()
    imported = office.import_invoices(
        _row("INV-2041", "maria@harbor-imports.example", today),
        _row("INV-2042", "ali@gulf-trading.example", today - timedelta(days=8)),
        _row("INV-2043", "lihua@huamei-home.example", today),
        _row("INV-2044", "tom@quiet-buyer.example", today),
        _row("INV-2045", "old@settled-long-ago.example", today),
    )

    assert "reminders held, the buyer wrote: INV-2041, INV-2042, INV-2043" in imported
    invoices = office.invoices()
    assert invoices["INV-2041"]["hold"].startswith("the buyer says they paid <")
    assert invoices["INV-2042"]["hold"].startswith("the buyer asks for more time <")
    assert "the buyer says they paid part" in invoices["INV-2043"]["hold"]
    assert invoices["INV-2044"]["hold"] == invoices["INV-2045"]["hold"] == ""
    preview = Scheduler(office.settings, office.store).preview(now, now + timedelta(days=60))
    assert {item["invoice"] for item in preview if item["kind"] == "reminder"} == {"INV-2044", "INV-2045"}
    office.store.close()


def test_a_message_that_names_an_invoice_or_po_holds_only_that_one_at_import(
    tmp_path: Path, db_url: str
) -> None:
    office = Office(tmp_path, db_url)
    office.customers("maria@harbor-imports.example")
    today = datetime.now(UTC).date()
    office.import_invoices(_row("INV-3001", "maria@harbor-imports.example", today))
    office.receive(
        buyer_mail("Paid", "We have paid invoice INV-3001 in full.", "maria@harbor-imports.example")
    )
    office.mailflow("invoices", "paid", "INV-3001")  # checked: it is paid
    office.receive(
        buyer_mail("PO 3003", "Could you extend the payment for PO 3003?", "maria@harbor-imports.example")
    )

    imported = office.import_invoices(
        _row("INV-3001", "maria@harbor-imports.example", today),
        _row("INV-3002", "maria@harbor-imports.example", today + timedelta(days=30)),
        _row("INV-3003", "maria@harbor-imports.example", today + timedelta(days=30)),
    )

    assert "reminders held, the buyer wrote: INV-3003" in imported
    invoices = office.invoices()
    assert invoices["INV-3003"]["hold"].startswith("the buyer asks for more time <")
    # "We paid INV-3001" is about INV-3001 only; the PO names another order.
    assert invoices["INV-3002"]["hold"] == invoices["INV-3001"]["hold"] == ""
    office.store.close()


def test_paying_or_cancelling_an_invoice_cancels_its_waiting_reminders_and_nothing_is_sent(
    tmp_path: Path, db_url: str
) -> None:
    with running_sink() as (handler, port):
        office = Office(tmp_path, db_url, smtp_port=port)
        office.customers("maria@harbor-imports.example")
        office.import_invoices(
            *(
                _row(n, "maria@harbor-imports.example", date(2026, 12, 10))
                for n in ("INV-1", "INV-2", "INV-3", "INV-4")
            )
        )
        with time_machine.travel(_at(2026, 12, 3, 11), tick=False):  # a week before the due date
            assert Scheduler(office.settings, office.store).tick().drafted == 4
        office.outbox.decide(int(str(office.reminder("INV-1")["id"])), "approved", "manager")

        paid = office.mailflow("invoices", "paid", "INV-1")
        part = office.mailflow("invoices", "paid", "INV-2", "--amount", "400")
        cancelled = office.mailflow("invoices", "cancel", "INV-3", "--reason", "credit note CN-7")
        # The next day's sheet says INV-4 is paid.
        office.import_invoices(
            _row("INV-4", "maria@harbor-imports.example", date(2026, 12, 10)).replace(",0,PO", ",1000,PO")
        )

        assert paid.returncode == 0 and "1 waiting reminder draft(s) cancelled" in paid.stdout, paid.stderr
        assert part.returncode == 0 and "1 waiting reminder draft(s) cancelled" in part.stdout, part.stderr
        assert cancelled.returncode == 0, cancelled.stderr
        assert "INV-3: cancelled; 1 waiting reminder draft(s) cancelled" in cancelled.stdout
        for number, why in (
            ("INV-1", "rep recorded a payment of 1000.00 EUR"),
            ("INV-2", "rep recorded a payment of 400.00 EUR"),  # the draft asks for the full 1000
            ("INV-3", "rep cancelled invoice INV-3: credit note CN-7"),
            ("INV-4", "a payment came with the invoice sheet"),
        ):
            draft = office.outbox.draft(int(str(office.reminder(number)["id"])))
            assert draft is not None and draft["status"] == "cancelled"
            assert why in draft["events"][-1]["detail"]
        assert office.invoices()["INV-3"]["status"] == "cancelled"
        with time_machine.travel(_at(2026, 12, 7, 9, 5), tick=True):
            assert Sender(office.settings, office.store).run_until_empty() == {}
        assert handler.received == []
        again = office.mailflow("invoices", "cancel", "INV-3")
        assert again.returncode == 1 and "invoice INV-3 is cancelled already" in again.stderr
        office.store.close()


def test_a_reminder_of_a_paid_cancelled_or_held_invoice_is_not_approved_and_shows_what_the_buyer_wrote(
    tmp_path: Path, db_url: str
) -> None:
    with running_sink() as (handler, port):
        office = Office(tmp_path, db_url, smtp_port=port)
        office.customers("maria@harbor-imports.example")
        numbers = ("INV-1", "INV-2", "INV-3", "INV-4")
        office.import_invoices(
            *(_row(n, "maria@harbor-imports.example", date(2026, 12, 10)) for n in numbers)
        )
        with time_machine.travel(_at(2026, 12, 3, 11), tick=False):
            assert Scheduler(office.settings, office.store).tick().drafted == 4
        ids = {number: int(str(office.reminder(number)["id"])) for number in numbers}
        for draft_id in ids.values():
            office.outbox.decide(draft_id, "approved", "manager")
        # The server refuses them all for now: they fail, and a person may approve them again later.
        handler.fail_data = "552 5.3.4 Message size exceeds fixed limit"
        with time_machine.travel(_at(2026, 12, 3, 11, 5), tick=True):
            assert Sender(office.settings, office.store).run_until_empty() == {"failed": 4}
        handler.fail_data = ""
        # Meanwhile INV-1 is paid, INV-2 cancelled, and the buyer writes that INV-3 is paid.
        office.mailflow("invoices", "paid", "INV-1")
        office.mailflow("invoices", "cancel", "INV-2")
        with time_machine.travel(_at(2026, 12, 4, 9), tick=False):
            office.receive(
                buyer_mail(
                    "INV-3", "We have paid invoice INV-3 in full.", "maria@harbor-imports.example", "<p3@x>"
                )
            )

        refused = {number: office.mailflow("drafts", "approve", str(ids[number])) for number in numbers[:3]}
        # With --edit, refused before the editor opens: no edit is kept on a reminder that cannot go.
        editing = run_mailflow(office.path, "drafts", "approve", "--edit", str(ids["INV-1"]),
                               env={"MAILFLOW_REVIEWER": "rep", "EDITOR": "sed -i s/Dear/Hello/"})  # fmt: skip
        assert editing.returncode == 1 and "not approved: invoice INV-1 is paid" in editing.stderr
        assert "edited" not in [event["action"] for event in office.outbox.draft(ids["INV-1"])["events"]]
        # The review page's way, the same Outbox.approve: the form's text is not even asked for.

        def no_edit_asked() -> tuple[str, str]:
            raise AssertionError("the edit was asked for before the refusal")

        with pytest.raises(ReviewError, match=r"not approved: invoice INV-2 is cancelled"):
            office.outbox.approve(ids["INV-2"], "manager", no_edit_asked)
        approved = office.mailflow("drafts", "approve", str(ids["INV-4"]))
        shown = office.mailflow("drafts", "show", str(ids["INV-3"]))

        for number, why in (
            ("INV-1", "invoice INV-1 is paid"),
            ("INV-2", "invoice INV-2 is cancelled"),
            ("INV-3", "invoice INV-3 is held (the buyer says they paid <p3@x> on 2026-12-04)"),
        ):
            assert refused[number].returncode == 1, refused[number].stdout
            (line,) = refused[number].stderr.strip().splitlines()
            assert f"draft {ids[number]} not approved: {why}" in line
        assert approved.returncode == 0 and "approved" in approved.stdout
        with office.store.sessions() as session:
            statuses = {
                key: status for key, status in session.execute(select(Draft.idempotency_key, Draft.status))
            }
        assert [statuses[f"reminder:{n}:-7"] for n in numbers] == ["failed", "failed", "failed", "approved"]
        assert shown.returncode == 0
        assert "Note: the buyer wrote on 2026-12-04 that they paid <p3@x>" in shown.stdout
        plain = office.mailflow("drafts", "show", str(ids["INV-4"]))
        assert "Note:" not in plain.stdout
        office.store.close()


def test_hold_from_messages_days_is_a_setting(tmp_path: Path, db_url: str) -> None:
    office = Office(tmp_path, db_url)
    office.path.write_text(
        office.path.read_text().replace("[schedule]\n", "[schedule]\nhold_from_messages_days = 0\n")
    )
    office.customers("maria@harbor-imports.example")
    office.receive(buyer_mail("Paid", "We have paid invoice INV-5 in full.", "maria@harbor-imports.example"))
    office.import_invoices(_row("INV-5", "maria@harbor-imports.example", datetime.now(UTC).date()))
    assert office.invoices()["INV-5"]["hold"] == ""  # 0: an import looks at no message
    listed = json.loads(office.mailflow("invoices", "list", "--json").stdout)
    assert [invoice["number"] for invoice in listed] == ["INV-5"]
    office.store.close()


def test_what_the_buyer_wrote_is_found_by_arrival_not_by_a_wrong_date_header(
    tmp_path: Path, db_url: str
) -> None:
    office = Office(tmp_path, db_url)
    office.customers("maria@harbor-imports.example")
    office.import_invoices(_row("INV-9", "maria@harbor-imports.example", date(2026, 12, 10)))  # issued 11-10
    # The buyer's clock says 2025: the message still came after the invoice was issued.
    raw = b"Date: Mon, 01 Dec 2025 09:00:00 +0100\r\n" + buyer_mail(
        "INV-9", "We have paid invoice INV-9 in full.", "maria@harbor-imports.example", "<p9@x>"
    )
    with time_machine.travel(_at(2026, 12, 4, 9), tick=False):
        office.receive(raw)
    wrote = office.ledger.buyer_wrote("INV-9")
    assert wrote is not None and wrote["message_id"] == "p9@x"
    assert wrote["text"] == "the buyer wrote on 2026-12-04 that they paid <p9@x>"  # the day it came
    assert office.invoices()["INV-9"]["hold"] == "the buyer says they paid <p9@x> on 2026-12-04"
    office.store.close()
