"""Scheduled mail against a real database (SQLite and PostgreSQL), with the clock moved by time-machine.

Reminders level by level, catch-up after downtime, partial payments, a "we
have paid" message holding the ladder, follow-ups cancelled by the buyer's
answer, satisfaction checks, updates across DST and opt-out replies, and two
schedulers at once on the same database.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import event, insert, select, update

from mailflow.config import settings as config
from mailflow.config.settings import Settings
from mailflow.drafts.store import Outbox
from mailflow.inbound.ingest import Ingest
from mailflow.ledger.sheet_records import CustomerRecord, InvoiceRecord
from mailflow.ledger.store import Ledger
from mailflow.ops.ticks import ScheduleTicks
from mailflow.outbound.sender import Sender
from mailflow.review.case_moves import CaseDesk
from mailflow.schedule.store import ScheduleStore
from mailflow.schedule.tick import Scheduler
from mailflow.store.engine import Store
from mailflow.store.models import Case, Customer, Draft, Tick, utcnow
from tests.support.cli import run_mailflow
from tests.support.daemon import running_daemon, wait_for
from tests.support.dovecot import PASSWORD, Dovecot
from tests.support.mail import buyer_mail
from tests.support.memory_source import MemorySource
from tests.support.settings import write_settings
from tests.support.smtp_sink import running_sink

MADRID = ZoneInfo("Europe/Madrid")


def _customer(email: str, **changes: object) -> CustomerRecord:
    fields: dict[str, object] = {
        "email": email, "name": "Maria Lopez", "company": "Harbor Imports", "country": "ES",
        "language": "es", "timezone": "Europe/Madrid", "class_set": "", "annual_sales": None, "opted_out": False,
    }  # fmt: skip
    return CustomerRecord(**(fields | changes))  # type: ignore[arg-type]


def _invoice(number: str, email: str, amount: str, due: date, currency: str = "EUR") -> InvoiceRecord:
    return InvoiceRecord(
        row=2, number=number, customer_email=email, amount=Decimal(amount), currency=currency,
        issued=due - timedelta(days=30), due=due, paid_amount=Decimal("0"), paid_on=None, order_ref="PO 4500123",
    )  # fmt: skip


class Office:
    """A database with its settings, and the buyers' mail as it arrives."""

    def __init__(self, tmp_path: Path, db_url: str, schedule: str = "", smtp_port: int | None = None) -> None:
        smtp = f'\n[mailbox.smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\nsave_sent = false\n'
        path = write_settings(tmp_path, db_url, 1, "u", "p", extra=smtp if smtp_port else "")
        path.write_text(
            path.read_text() + f'\n[company]\nname = "Ningbo Homeware"\n\n[schedule]\n{schedule}\n'
        )
        self.settings: Settings = config.load(path)
        self.store = Store(self.settings.database_url)
        self.store.create_schema()
        self.ledger = Ledger(self.store)
        self.outbox = Outbox(self.store)
        self.inbox: list[bytes] = []

    def receive(self, raw: bytes) -> None:
        self.inbox.append(raw)
        Ingest(self.settings, self.store).sync_folder(
            MemorySource(self.inbox), self.settings.mailboxes[0], "INBOX"
        )

    def tick(self) -> int:
        report = Scheduler(self.settings, self.store).tick()
        assert report.ran
        return report.drafted

    def drafts(self, kind: str | None = None) -> list[dict[str, object]]:
        return [d for d in self.outbox.drafts() if kind is None or d["kind"] == kind]

    def keys(self, kind: str | None = None) -> list[str]:
        with self.store.sessions() as session:
            rows = session.query(Draft.idempotency_key, Draft.kind).order_by(Draft.id)
            return [key for key, found in rows if kind is None or found == kind]


@pytest.fixture
def office(tmp_path: Path, db_url: str) -> Iterator[Office]:
    # Updates are tested on their own; here they would only add noise.
    made = Office(tmp_path, db_url, "[schedule.updates]\nenabled = false")
    yield made
    made.store.close()


def _at(year: int, month: int, day: int, hour: int, minute: int = 0, zone: ZoneInfo = MADRID) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone)


def test_reminders_level_by_level_catch_up_partial_payment_and_a_paid_message_holding_them(
    office: Office,
) -> None:
    office.ledger.import_customers([_customer("maria@harbor-imports.example")])
    office.ledger.import_invoices(
        "i.csv", [_invoice("INV-7", "maria@harbor-imports.example", "12345.50", date(2026, 12, 10))]
    )

    with time_machine.travel(_at(2026, 12, 3, 11), tick=False):  # Thursday, a week before the due date
        assert office.tick() == 1
        assert office.tick() == 0  # drafted once, whatever the number of ticks
    (upcoming,) = office.drafts("reminder")
    assert upcoming["status"] == "pending_review"
    assert "12.345,50\xa0€" in str(upcoming["body"])  # Spanish writes euros like this
    assert str(upcoming["subject"]).startswith("Factura INV-7")

    # The daemon was down from the 9th to the 11th: the due-date reminder is drafted once on return.
    with time_machine.travel(_at(2026, 12, 11, 12), tick=False):
        assert office.tick() == 1
        assert office.tick() == 0
    assert office.keys("reminder") == ["reminder:INV-7:-7", "reminder:INV-7:+0"]

    office.ledger.record_payment("INV-7", Decimal("5000"), date(2026, 12, 14), "rep")
    with time_machine.travel(_at(2026, 12, 17, 11), tick=False):
        assert office.tick() == 1
    overdue = office.drafts("reminder")[-1]
    assert "7.345,50\xa0€" in str(overdue["body"]) and "7 días" in str(overdue["body"])

    # "We have paid" from someone else at the company holds the ladder and flags the invoice.
    with time_machine.travel(_at(2026, 12, 20, 9), tick=False):
        office.receive(
            buyer_mail(
                "Pago INV-7",
                "Hemos pagado el saldo, adjunto el comprobante de pago.",
                "Pedro <pedro@harbor-imports.example>",
            )
        )
    (invoice,) = [i for i in office.ledger.invoices() if i["number"] == "INV-7"]
    assert invoice["hold"].startswith("the buyer says they paid")
    with time_machine.travel(_at(2026, 12, 24, 11), tick=False):
        assert office.tick() == 0
        preview = Scheduler(office.settings, office.store).preview(
            datetime.now(UTC), datetime(2027, 3, 1, tzinfo=UTC)
        )
        assert [item for item in preview if item.get("invoice") == "INV-7"] == []
    # A person checked the bank: not paid after all. The ladder goes on where it stood.
    assert office.ledger.resume("INV-7")
    with time_machine.travel(_at(2026, 12, 28, 11), tick=False):
        assert office.tick() == 1
    assert office.keys("reminder")[-1] == "reminder:INV-7:+14"
    office.ledger.record_payment("INV-7", None, date(2026, 12, 29), "rep")
    with time_machine.travel(_at(2027, 1, 12, 11), tick=False):
        assert office.tick() == 0  # paid: the +30 level never comes


def test_a_remittance_advice_from_the_buyers_accounting_system_holds_the_reminders(office: Office) -> None:
    office.ledger.import_customers([_customer("maria@harbor-imports.example")])
    office.ledger.import_invoices(
        "i.csv", [_invoice("INV-9", "maria@harbor-imports.example", "8000", date(2026, 12, 10))]
    )
    advice = b"Auto-Submitted: auto-generated\n" + buyer_mail(
        "Remittance advice - payment run 2026-12-07",
        "This is an automatically generated remittance advice. Please do not reply.\n\n"
        "Payment has been made to your account for the following invoices:\n"
        "INV-9    EUR 8,000.00\nTotal paid: EUR 8,000.00\nValue date: 07.12.2026\n",
        "Harbor Imports Accounts Payable <ap-noreply@harbor-imports.example>",
    )
    with time_machine.travel(_at(2026, 12, 7, 9), tick=False):
        office.receive(advice)
        from mailflow.ops.daemon import Drafter

        assert Drafter(office.settings, office.store).run() == 0  # a robot gets no reply
    (invoice,) = office.ledger.invoices()
    assert invoice["hold"].startswith("the buyer says they paid")
    with time_machine.travel(_at(2026, 12, 11, 11), tick=False):
        assert office.tick() == 0  # no due-date reminder for money already on its way


def test_reminders_wait_for_business_hours_weekends_and_holidays(office: Office) -> None:
    office.ledger.import_customers(
        [
            _customer("ali@riyadh-trading.example", country="SA", timezone="Asia/Riyadh", language="en"),
            _customer("hans@berlin-import.example", country="DE", timezone="Europe/Berlin", language="de"),
        ]
    )
    office.ledger.import_invoices(
        "i.csv",
        [
            # Due Friday 4 December 2026: the Saudi weekend. Sunday the 6th, at 09:00 Riyadh time when the office opens.
            _invoice("INV-SA", "ali@riyadh-trading.example", "800", date(2026, 12, 11), "USD"),
            # +0 on Friday 25 December: Christmas in Germany, then the weekend: Monday the 28th.
            _invoice("INV-DE", "hans@berlin-import.example", "800", date(2026, 12, 25)),
        ],
    )
    scheduler = Scheduler(office.settings, office.store)
    with time_machine.travel(datetime(2026, 11, 22, 12, tzinfo=UTC), tick=False):
        preview = scheduler.preview(datetime.now(UTC), datetime(2026, 12, 31, tzinfo=UTC))
    due = {item["key"]: item["due_at"] for item in preview}
    assert due["reminder:INV-SA:-7"] == "2026-12-06T06:00:00Z"
    assert due["reminder:INV-DE:+0"] == "2026-12-28T08:00:00Z"
    assert {item["template"] for item in preview if item["customer"] == "hans@berlin-import.example"} >= {
        "reminder.upcoming.en"  # no German reminder templates: the English fallback
    }


def test_a_followup_until_the_buyer_answers_and_a_satisfaction_check_after_resolution(office: Office) -> None:
    with time_machine.travel(_at(2026, 11, 23, 10), tick=False):  # Monday
        office.receive(
            buyer_mail("Cartones aplastados PO 4500123", "14 cartones llegaron aplastados y rotos.")
        )
        from mailflow.ops.daemon import Drafter

        assert Drafter(office.settings, office.store).run() == 1
    (ack,) = office.drafts("ack")
    _mark_sent(office, int(str(ack["id"])), _at(2026, 11, 23, 11))

    with time_machine.travel(_at(2026, 11, 25, 12), tick=False):
        assert office.tick() == 0  # two business days: not yet
    with time_machine.travel(_at(2026, 11, 26, 12), tick=False):
        assert office.tick() == 1
    (followup,) = office.drafts("followup")
    assert followup["in_reply_to"] == ack["message_id"] and followup["to"] == ack["to"]
    assert "fotos" in str(followup["body"]) and str(followup["subject"]).startswith("Re: ")

    # An out-of-office reply is no answer: the follow-up still waits.
    with time_machine.travel(_at(2026, 11, 26, 15), tick=False):
        office.receive(
            b"Auto-Submitted: auto-replied\n"
            + buyer_mail("Automatic reply: Re: Cartones", "Estoy fuera de la oficina hasta el lunes.")
        )
    assert office.drafts("followup")[0]["status"] == "pending_review"
    # The buyer answers from another address at the company: the waiting follow-up is cancelled.
    with time_machine.travel(_at(2026, 11, 27, 9), tick=False):
        office.receive(
            buyer_mail("Re: Cartones", "Adjuntamos las fotos.", "Pedro <pedro@harbor-imports.example>")
        )
    assert office.drafts("followup")[0]["status"] == "cancelled"
    with time_machine.travel(_at(2026, 12, 10, 12), tick=False):
        assert office.tick() == 0  # they answered: no second follow-up

    case_id = int(str(ack["case"]))
    CaseDesk(office.store, office.settings).resolve(case_id, "rep", _at(2026, 12, 10, 12))
    with time_machine.travel(_at(2026, 12, 16, 12), tick=False):
        assert office.tick() == 0
    with time_machine.travel(_at(2026, 12, 17, 12), tick=False):
        assert office.tick() == 1
    assert office.keys("satisfaction") == [f"satisfaction:{case_id}"]


def test_a_case_resolved_again_after_a_reopening_gets_its_satisfaction_check_again(office: Office) -> None:
    desk = CaseDesk(office.store, office.settings)
    with time_machine.travel(_at(2026, 11, 23, 10), tick=False):  # Monday
        office.receive(
            buyer_mail("Cartones aplastados PO 4500123", "14 cartones llegaron aplastados y rotos.")
        )
    ((case_id,),) = _case_ids(office)
    desk.resolve(case_id, "rep", _at(2026, 11, 24, 12))
    with time_machine.travel(_at(2026, 12, 1, 12), tick=False):  # seven days on
        assert office.tick() == 1
    assert office.keys("satisfaction") == [f"satisfaction:{case_id}"]  # the first resolution's, as before

    # The buyer writes within [cases] reopen_days that it is not solved: the case is open again.
    with time_machine.travel(_at(2026, 12, 2, 9), tick=False):
        office.receive(
            buyer_mail(
                "Re: Cartones aplastados PO 4500123",
                "No está solucionado: los cartones de reposición también llegaron rotos.",
            )
        )
    assert _case_ids(office) == [(case_id,)]  # the same case, not a new one
    assert _satisfaction_statuses(office) == ["cancelled"]  # nobody asks "satisfied?" of "not solved"
    with time_machine.travel(_at(2026, 12, 3, 12), tick=False):
        assert office.tick() == 0  # open: nobody asks whether the buyer is satisfied
    desk.resolve(case_id, "rep", _at(2026, 12, 4, 12))
    with time_machine.travel(_at(2026, 12, 10, 12), tick=False):
        assert office.tick() == 0  # six days: not yet
    with time_machine.travel(_at(2026, 12, 11, 12), tick=False):
        assert office.tick() == 1
    # A person reopens it (the buyer called), and resolves it once more: a third check.
    desk.reopen(case_id, "rep", _at(2026, 12, 14, 9))
    assert _satisfaction_statuses(office) == ["cancelled", "cancelled"]  # the waiting check, too
    desk.resolve(case_id, "rep", _at(2026, 12, 15, 12))
    with time_machine.travel(_at(2026, 12, 22, 12), tick=False):
        assert office.tick() == 1
    with time_machine.travel(_at(2027, 1, 20, 12), tick=False):
        assert office.tick() == 0  # each resolution asked once
    assert office.keys("satisfaction") == [
        f"satisfaction:{case_id}", f"satisfaction:{case_id}:1", f"satisfaction:{case_id}:2"
    ]  # fmt: skip


def _satisfaction_statuses(office: Office) -> list[str]:
    drafts = sorted(Outbox(office.store).drafts(), key=lambda draft: draft["id"])
    return [draft["status"] for draft in drafts if draft["kind"] == "satisfaction"]


def _case_ids(office: Office) -> list[tuple[int]]:
    with office.store.sessions() as session:
        return [(case_id,) for case_id in session.scalars(select(Case.id).order_by(Case.id))]


def _mark_sent(office: Office, draft_id: int, at: datetime) -> None:
    """The ack went out (the send loop is tested on its own in test_send.py)."""
    with office.store.sessions.begin() as session:
        session.execute(update(Draft).where(Draft.id == draft_id).values(status="sent", sent_at=at))


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/Los_Angeles"])
def test_weekly_updates_neither_skip_nor_double_across_dst(tmp_path: Path, db_url: str, zone: str) -> None:
    office = Office(tmp_path, db_url, "draft_ahead_hours = 3")  # each slot drafted ahead by one of the ticks
    office.ledger.import_customers([_customer("a@weekly.example", class_set="A", timezone=zone, country="")])
    moment = datetime(2026, 10, 19, tzinfo=UTC)  # the clocks go back on 25 October (Berlin), 1 November (LA)
    while moment < datetime(2026, 11, 12, tzinfo=UTC):
        with time_machine.travel(moment, tick=False):
            office.tick()
        moment += timedelta(hours=3)
    drafts = [d for d in Outbox(office.store).drafts() if d["kind"] == "update"]
    assert office.keys("update") == [f"update:1:2026-{day}" for day in ("10-20", "10-27", "11-03", "11-10")]
    with office.store.sessions() as session:
        planned = [
            at
            for (at,) in session.query(Draft.scheduled_for).where(Draft.kind == "update").order_by(Draft.id)
        ]
    local = [at.astimezone(ZoneInfo(zone)) for at in planned]
    assert [(at.weekday(), at.hour) for at in local] == [(1, 10)] * 4
    assert len(drafts) == 4
    office.store.close()


def test_an_unsubscribe_reply_opts_out_and_cancels_the_waiting_update(tmp_path: Path, db_url: str) -> None:
    office = Office(tmp_path, db_url)
    office.ledger.import_customers([_customer("maria@harbor-imports.example", class_set="A")])
    with time_machine.travel(
        _at(2026, 11, 23, 23), tick=False
    ):  # Monday night: Tuesday's update is drafted ahead
        assert office.tick() == 1
    (update_draft,) = office.drafts("update")
    assert update_draft["status"] == "pending_review"
    with time_machine.travel(_at(2026, 11, 24, 8), tick=False):
        office.receive(buyer_mail("Re: novedades", "Please unsubscribe us from these mails.\n\nThanks"))
    assert office.drafts("update")[0]["status"] == "cancelled"
    (customer,) = office.ledger.customers()
    assert customer["opted_out"] is True
    with time_machine.travel(_at(2026, 12, 1, 12), tick=False):
        assert office.tick() == 0
    office.store.close()


def test_the_weekly_limit_lets_the_reminder_through_and_the_update_waits(tmp_path: Path, db_url: str) -> None:
    office = Office(tmp_path, db_url, "max_automatic_per_week = 1")
    office.ledger.import_customers([_customer("maria@harbor-imports.example", class_set="A")])
    # Due Tuesday 1 December: the +0 reminder falls on the update's day and hour.
    office.ledger.import_invoices(
        "i.csv", [_invoice("INV-1", "maria@harbor-imports.example", "100", date(2026, 12, 1))]
    )
    with office.store.sessions.begin() as session:  # the -7 level and last week's update are long done
        for key, kind in (("reminder:INV-1:-7", "reminder"), ("update:1:2026-11-24", "update")):
            session.add(_done_draft(key, kind, datetime(2026, 11, 24, 9, tzinfo=UTC)))
    with time_machine.travel(_at(2026, 12, 1, 10), tick=False):
        assert office.tick() == 1
    assert office.keys()[-1] == "reminder:INV-1:+0"
    office.store.close()


def _done_draft(key: str, kind: str, at: datetime) -> Draft:
    return Draft(
        kind=kind, status="sent", policy="required", mailbox="sales", customer_id=1, from_addr="s@x.example",
        recipient="maria@harbor-imports.example", to_addrs=["maria@harbor-imports.example"], subject="s", text="t",
        message_id=f"{key}@x.example", idempotency_key=key, template=kind, template_inputs={}, scheduled_for=at,
        sent_at=at,
    )  # fmt: skip


def test_two_schedulers_at_once_draft_everything_once(tmp_path: Path, db_url: str) -> None:
    office = Office(tmp_path, db_url)
    office.ledger.import_customers(
        [_customer(f"buyer{n}@importer{n}.example", class_set="ABC"[n % 3]) for n in range(30)]
    )
    office.ledger.import_invoices(
        "i.csv",
        [_invoice(f"INV-{n}", f"buyer{n}@importer{n}.example", "100", date(2026, 11, 24)) for n in range(30)],
    )
    now = _at(2026, 11, 24, 9)  # Tuesday morning: an update and a reminder due for many
    results: list[int] = []
    start = threading.Barrier(2)

    def schedule() -> None:
        scheduler = Scheduler(office.settings, office.store)
        start.wait()
        # Without the lease (run, not tick): the idempotency keys alone must keep it to one each.
        results.append(
            len(
                scheduler.store.create_drafts(
                    scheduler.rows(
                        scheduler.due(now, now + timedelta(hours=12))[1],
                        now,
                        scheduler.problems.begin("schedule"),
                    )[0],
                    now,
                )
            )
        )

    threads = [threading.Thread(target=schedule) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    keys = office.keys()
    assert len(keys) == len(set(keys)) == sum(results) > 30
    # With the lease: the second tick at the same moment sees the first one holding it.
    first = ScheduleStore(office.store).claim_tick("schedule", "a", now, timedelta(minutes=5))
    second = ScheduleStore(office.store).claim_tick("schedule", "b", now, timedelta(minutes=5))
    assert (first, second) == (True, False)
    office.store.close()


def test_an_approved_reminder_waits_for_business_hours_at_the_sender(tmp_path: Path, db_url: str) -> None:
    with running_sink() as (handler, port):
        office = Office(tmp_path, db_url, "[schedule.updates]\nenabled = false", smtp_port=port)
        office.ledger.import_customers([_customer("maria@harbor-imports.example")])
        office.ledger.import_invoices(
            "i.csv", [_invoice("INV-9", "maria@harbor-imports.example", "100", date(2026, 12, 10))]
        )
        with time_machine.travel(_at(2026, 12, 3, 11), tick=False):
            assert office.tick() == 1
        (reminder,) = office.drafts("reminder")
        office.outbox.decide(int(str(reminder["id"])), "approved", "manager")
        # Approved on Friday evening, Madrid time: it waits for Monday morning.
        with time_machine.travel(_at(2026, 12, 4, 19), tick=True):
            assert Sender(office.settings, office.store).run_until_empty() == {"later": 1}
        assert handler.received == []
        with time_machine.travel(_at(2026, 12, 7, 9, 5), tick=True):
            assert Sender(office.settings, office.store).run_until_empty() == {"sent": 1}
        assert len(handler.received) == 1
        office.store.close()


def test_preview_run_and_jobs_from_the_command_line(tmp_path: Path, db_url: str) -> None:
    office = Office(tmp_path, db_url)
    today = date.today()
    office.ledger.import_customers([_customer("maria@harbor-imports.example", class_set="B")])
    office.ledger.import_invoices(
        "i.csv", [_invoice("INV-3", "maria@harbor-imports.example", "100", today + timedelta(days=20))]
    )
    path = office.settings.path
    until = (today + timedelta(days=60)).isoformat()
    shown = run_mailflow(path, "schedule", "preview", "--until", until, "--json")
    assert shown.returncode == 0, shown.stderr
    items = json.loads(shown.stdout)
    reminders = [item for item in items if item["kind"] == "reminder"]
    assert [item["key"] for item in reminders] == [f"reminder:INV-3:{n:+d}" for n in (-7, 0, 7, 14, 30)]
    assert {item["invoice"] for item in reminders} == {"INV-3"}
    assert all(
        item["due_at"].endswith("Z") and item["customer"] == "maria@harbor-imports.example" for item in items
    )
    assert reminders[0]["template"] == "reminder.upcoming.es"
    assert [item for item in items if item["kind"] == "update"]  # every other week for a B customer
    assert office.drafts() == []  # a preview writes nothing
    assert run_mailflow(path, "schedule", "preview", "--until", "yesterday").returncode == 1

    ran = run_mailflow(path, "schedule", "run")
    assert ran.returncode == 0 and "schedule: " in ran.stdout, ran.stderr
    jobs = {job["name"]: job for job in json.loads(run_mailflow(path, "jobs", "list", "--json").stdout)}
    assert jobs["schedule"]["every"] == "60 s" and jobs["schedule"]["last_started"]
    assert "drafted" in jobs["schedule"]["last_result"]
    missing = run_mailflow(path, "cases", "resolve", "99")
    assert missing.returncode == 1 and "no case 99" in missing.stderr
    held = run_mailflow(path, "invoices", "resume", "INV-3")
    assert held.returncode == 0 and "was not held" in held.stdout
    office.store.close()


def test_the_daemon_ticks_at_start_and_jobs_list_shows_the_next_run(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str
) -> None:
    path = write_settings(tmp_path, db_url, dovecot.port, imap_user, PASSWORD)
    path.write_text(
        path.read_text() + "\n[schedule]\ntick_seconds = 30\n\n[schedule.updates]\nenabled = false\n"
    )
    store = Store(config.load(path).database_url)
    store.create_schema()
    Ledger(store).import_customers([_customer("maria@harbor-imports.example")])
    yesterday = date.today() - timedelta(days=1)
    Ledger(store).import_invoices(
        "i.csv", [_invoice("INV-5", "maria@harbor-imports.example", "100", yesterday)]
    )
    with running_daemon(path) as daemon:
        drafted = wait_for(lambda: [d for d in Outbox(store).drafts() if d["kind"] == "reminder"])
        jobs = wait_for(
            lambda: [
                j for j in json.loads(run_mailflow(path, "jobs", "list", "--json").stdout) if j["next_run"]
            ]
        )
        daemon.stop()
    assert [d["template"] for d in drafted] == ["reminder.due.es"]  # the missed level, once
    (schedule,) = [job for job in jobs if job["name"] == "schedule"]
    assert schedule["every"] == "30 s" and "1 drafted" in schedule["last_result"]
    assert datetime.fromisoformat(schedule["next_run"]) > datetime.fromisoformat(schedule["last_started"])
    store.close()


def test_a_stop_ends_a_tick_between_chunks_and_the_rest_is_drafted_next_time(
    tmp_path: Path, db_url: str
) -> None:
    office = Office(tmp_path, db_url)
    office.ledger.import_customers([_customer(f"b{n}@importer{n}.example", class_set="A") for n in range(25)])
    scheduler = Scheduler(office.settings, office.store)
    now = _at(2026, 11, 23, 23)  # Monday night: Tuesday's updates are within the lead
    stop = threading.Event()
    stop.set()
    assert scheduler.run(now, stop, chunk=10).drafted == 0  # told to stop before the first chunk
    stop.clear()
    original = scheduler.store.create_drafts

    def stop_after_first_chunk(rows: list[dict[str, object]], at: datetime) -> list[str]:
        stop.set()
        return original(rows, at)

    scheduler.store.create_drafts = stop_after_first_chunk  # type: ignore[method-assign]
    assert scheduler.run(now, stop, chunk=10).drafted == 10
    scheduler.store.create_drafts = original  # type: ignore[method-assign]
    assert scheduler.run(now).drafted == 15  # the rest, none twice
    assert len(office.keys("update")) == len(set(office.keys("update"))) == 25
    office.store.close()


def test_a_tick_cut_short_leaves_the_updates_it_missed_to_the_next_tick(tmp_path: Path, db_url: str) -> None:
    """A stopped (or failed) tick must not count as "the last tick": missed updates are caught up after it."""
    office = Office(tmp_path, db_url, "draft_ahead_hours = 1")
    office.ledger.import_customers([_customer(f"b{n}@importer{n}.example", class_set="A") for n in range(5)])
    scheduler = Scheduler(office.settings, office.store)
    assert scheduler.tick(_at(2026, 11, 23, 13)).drafted == 0  # Monday: Tuesday 10:00 is not within the lead
    stop = threading.Event()
    stop.set()
    tuesday = _at(2026, 11, 24, 10, 30)  # the daemon was down at 10:00 and stops again at once
    cut_short = scheduler.tick(tuesday, stop=stop)
    assert (cut_short.drafted, cut_short.complete) == (0, False)
    assert len(office.keys("update")) == 0
    assert scheduler.tick(tuesday + timedelta(minutes=15)).drafted == 5  # caught up, not lost


def test_a_tick_fired_as_the_daemon_stops_does_not_start(tmp_path: Path, db_url: str) -> None:
    """APScheduler may fire a tick just as join() finds none running; the daemon then closes the database."""
    office = Office(tmp_path, db_url)
    office.ledger.import_customers([_customer("b1@importer1.example", class_set="A")])
    stop = threading.Event()
    ticks = ScheduleTicks(office.settings, office.store, stop=stop)
    ticks.join(0)  # the daemon stopping: no tick running yet
    ticks.tick()  # the tick the clock had already fired
    with office.store.sessions() as session:
        assert session.scalars(select(Tick)).all() == []  # it did not run
    stop.set()
    late = ScheduleTicks(office.settings, office.store, stop=stop)
    late.tick()  # SIGTERM came first: nothing new starts either
    with office.store.sessions() as session:
        assert session.scalars(select(Tick)).all() == []
    office.store.close()


def test_sigterm_during_a_big_tick_exits_0_within_10_s_and_the_rest_comes_next_time(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str
) -> None:
    """6,000 updates due at the daemon's first tick; SIGTERM while it runs. Nothing half-written."""
    path = write_settings(tmp_path, db_url, dovecot.port, imap_user, PASSWORD)
    path.write_text(path.read_text() + "\n[schedule]\ndraft_ahead_hours = 168\n")  # everyone's next slot
    store = Store(config.load(path).database_url)
    customers = 6_000
    with store.sessions.begin() as session:
        session.execute(
            insert(Customer),
            [{"email": f"b{n}@importer{n}.example", "domain": f"importer{n}.example", "class_set": "A",
              "language": "en", "timezone": "Europe/Madrid", "listed": True, "created_at": utcnow()}
             for n in range(customers)],
        )  # fmt: skip
    with running_daemon(path) as daemon:
        wait_for(lambda: _tick_leases(store))
        asked = time.monotonic()
        stderr = daemon.stop()  # exit 0, no traceback
        assert time.monotonic() - asked <= 10, stderr
    drafted = len(Outbox(store).drafts())
    assert drafted % 500 == 0 and drafted < customers, drafted  # whole chunks only; it was cut short
    assert "left for the next tick" in stderr
    done = run_mailflow(path, "schedule", "run")
    assert done.returncode == 0, done.stderr
    with store.sessions() as session:
        keys = list(session.scalars(select(Draft.idempotency_key)))
    assert len(keys) == len(set(keys)) == customers
    store.close()


def _tick_leases(store: Store) -> list[datetime]:
    """A tick running now (a session per look: an open SQLite transaction would hold the write lock)."""
    with store.sessions() as session:
        return list(session.scalars(select(Tick.lease_until).where(Tick.lease_until.is_not(None))))


def test_the_book_is_one_snapshot_while_a_buyer_writes_for_the_first_time(
    tmp_path: Path, postgres_url: str
) -> None:
    # PostgreSQL only: on SQLite the book's read holds the write lock, so no mail can land mid-read.
    office = Office(tmp_path, postgres_url)
    landed: list[bool] = []

    def first_mail_lands(conn: object, cursor: object, statement: str, *rest: object) -> None:
        # Committed by another connection just after the book has read the customers.
        if not landed and "FROM customers" in statement:
            landed.append(True)
            office.receive(buyer_mail("Broken handles", "The handles of 200 mugs are broken."))

    event.listen(office.store.engine, "after_cursor_execute", first_mail_lands)
    try:
        book = ScheduleStore(office.store).book(utcnow(), "UTC")
    finally:
        event.remove(office.store.engine, "after_cursor_execute", first_mail_lands)
    assert landed and (book.customers, book.cases) == ({}, ())  # as it was when the read began
    later = ScheduleStore(office.store).book(utcnow(), "UTC")
    assert len(later.customers) == 1 and len(later.cases) == 1
    office.store.close()
