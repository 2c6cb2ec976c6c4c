"""The store's batch transaction on SQLite and PostgreSQL: replays and races are harmless."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select, update

from mailflow.config.cases import CaseSettings
from mailflow.config.rules import default_ruleset
from mailflow.inbound.batch_writer import BatchOutcome
from mailflow.inbound.pipeline import Arrival, Failed, Processed, process
from mailflow.inbound.recording import record_batch, resolve_quarantine
from mailflow.store.engine import Store
from mailflow.store.models import Case, CaseEvent, Contact, Customer, utcnow
from tests.support.mail import buyer_mail

RULES = replace(default_ruleset(), model="off")  # the plumbing, not the model
OWN = frozenset({"sales@ningbo-homeware.example"})


def _batch(count: int, prefix: str = "b") -> list[Processed | Failed]:
    return [
        process(uid, buyer_mail(message_id=f"<{prefix}{uid}@x>"), RULES, OWN) for uid in range(1, count + 1)
    ]


def _store(url: str) -> Store:
    store = Store(url)
    store.create_schema()
    return store


def test_replaying_a_batch_records_nothing_twice_and_keeps_the_checkpoint(db_url: str) -> None:
    store = _store(db_url)
    batch = _batch(20)
    first = record_batch(store, "sales", "INBOX", 7, batch, {}, last_uid=20)
    again = record_batch(store, "sales", "INBOX", 7, batch, {}, last_uid=20)
    assert (first.recorded, again.recorded, again.duplicates) == (20, 0, 20)
    state = store.folder_state("sales", "INBOX")
    assert state is not None and (state.uidvalidity, state.last_uid) == (7, 20)
    assert len(store.contacts()) == 20
    store.close()


def test_a_failed_message_is_quarantined_and_the_rest_recorded(db_url: str) -> None:
    store = _store(db_url)
    batch = [*_batch(3), Failed(4, b"raw bytes", "ValueError: broken")]
    outcome = record_batch(store, "sales", "INBOX", 1, batch, {}, last_uid=4)
    assert (outcome.recorded, outcome.quarantined) == (3, 1)
    (row,) = store.quarantined()
    assert (row["uid"], row["reason"]) == (4, "ValueError: broken")
    store.close()


def test_two_processes_recording_the_same_batch_at_once_record_it_once(db_url: str) -> None:
    stores = [_store(db_url), Store(db_url)]
    batch = _batch(50, prefix="race")
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def record(store: Store, folder: str) -> None:
        try:
            barrier.wait()
            record_batch(store, "sales", folder, 1, batch, {}, last_uid=50)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=record, args=(store, folder))
        for store, folder in zip(stores, ["INBOX", "Claims"], strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(stores[0].contacts()) == 50
    for store in stores:
        store.close()


def test_buyers_another_transaction_is_creating_meanwhile_are_taken_not_refused(postgres_url: str) -> None:
    """Two folders hear from the same new buyers at once; neither may quarantine a message for it.

    Two open transactions (another folder's batches) hold 50 new buyers each when
    our batch of 100 messages from them starts: it must wait for them, then use their rows.
    """
    store = _store(postgres_url)
    batch = [
        process(uid, buyer_mail(message_id=f"<m{uid}@x>", sender=f"Buyer <buyer{uid}@new{uid}.example>"), RULES, OWN)
        for uid in range(1, 101)
    ]  # fmt: skip
    others = [store.engine.connect() for _ in range(2)]
    for other, uids in zip(others, (range(1, 51), range(51, 101)), strict=True):
        other.begin()
        other.execute(
            insert(Customer),
            [{"email": f"buyer{uid}@new{uid}.example", "created_at": utcnow()} for uid in uids],
        )
    outcome: list[BatchOutcome] = []
    ours = threading.Thread(
        target=lambda: outcome.append(record_batch(store, "sales", "INBOX", 1, batch, {}, 100))
    )
    ours.start()
    for other in others:
        time.sleep(0.5)  # ours is waiting on this transaction's buyers by now
        other.commit()
        other.close()
    ours.join(60)
    assert [(o.recorded, o.quarantined) for o in outcome] == [(100, 0)]
    assert store.quarantined() == []
    assert len({contact["customer"] for contact in store.contacts()}) == 100
    store.close()


def test_quarantine_retry_records_the_message_and_closes_the_entry(db_url: str, tmp_path: Path) -> None:
    store = _store(db_url)
    raw = buyer_mail(message_id="<retry@x>")
    record_batch(store, "sales", "INBOX", 1, [Failed(9, raw, "OperationalError: disk full")], {}, last_uid=9)
    (row,) = store.quarantined()
    outcome = resolve_quarantine(store, row["id"], process(9, raw, RULES, OWN), {})
    assert outcome.recorded == 1
    assert store.quarantined() == []
    assert [c["message_id"] for c in store.contacts()] == ["retry@x"]
    store.close()


def test_oversized_fields_are_clamped_not_fatal(db_url: str) -> None:
    store = _store(db_url)
    huge_name = "Buyer " * 400
    raw = (
        f"From: {huge_name} <{'x' * 300}@acme.example>\r\nSubject: broken mugs\r\n"
        f"Message-ID: <{'m' * 1500}@acme.example>\r\nIn-Reply-To: <{'r' * 1500}@x>\r\n\r\nbroken mugs\r\n"
    ).encode()
    outcome = record_batch(
        store, "sales", "INBOX", 1, [*_batch(2), process(3, raw, RULES, OWN)], {}, last_uid=3
    )
    assert (outcome.recorded, outcome.quarantined) == (3, 0)
    again = record_batch(store, "sales", "INBOX", 1, [process(3, raw, RULES, OWN)], {}, last_uid=3)
    assert again.duplicates == 1
    store.close()


def test_a_message_the_database_refuses_is_quarantined_and_the_batch_goes_on(db_url: str) -> None:
    """A PostgreSQL trigger raising a data exception (SQLSTATE 22023) stands in for any row the database will not take."""
    if not db_url.startswith("postgresql"):
        return  # SQLite reports every refusal as a constraint; the duplicate path covers it
    store = _store(db_url)
    _refuse_poison(store)
    poison = buyer_mail(subject="poison", message_id="<poison@x>")
    batch = [*_batch(3), process(4, poison, RULES, OWN)]
    outcome = record_batch(store, "sales", "INBOX", 1, batch, {}, 4, raw={4: poison})
    assert (outcome.recorded, outcome.duplicates, outcome.quarantined) == (3, 0, 1)
    (row,) = store.quarantined()
    assert row["uid"] == 4 and "no poison here" in row["reason"]
    assert store.quarantined_message(row["id"]).raw == poison  # type: ignore[union-attr]
    state = store.folder_state("sales", "INBOX")
    assert state is not None and state.last_uid == 4
    store.close()


def _refuse_poison(store: Store) -> None:
    """A PostgreSQL trigger raising a data exception (SQLSTATE 22023) on a contact whose subject is 'poison'."""
    with store.engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN "
            "IF NEW.subject = 'poison' THEN RAISE EXCEPTION 'no poison here' USING ERRCODE = '22023'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        connection.exec_driver_sql(
            "CREATE TRIGGER refuse_poison BEFORE INSERT ON contacts FOR EACH ROW EXECUTE FUNCTION refuse_poison()"
        )


def _reply(uid: int, subject: str, message_id: str) -> Processed:
    raw = buyer_mail(
        subject, "The cartons arrived crushed again, the damage is not solved.", message_id=message_id
    )
    item = process(uid, raw.replace(b"Message-ID:", b"In-Reply-To: <c1@x>\nMessage-ID:", 1), RULES, OWN)
    assert isinstance(item, Processed) and item.mail.in_reply_to == "c1@x"
    return item


def test_a_refused_complaint_that_would_reopen_a_case_leaves_it_for_the_next_one(db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        return  # SQLite reports every refusal as a constraint; the trigger needs PostgreSQL
    store = _store(db_url)
    _refuse_poison(store)
    first = buyer_mail("Crushed cartons", "14 cartons arrived crushed.", message_id="<c1@x>")
    record_batch(store, "sales", "INBOX", 1, [process(1, first, RULES, OWN)], {}, 1)
    with store.sessions.begin() as session:
        session.execute(update(Case).values(status="resolved", resolved_at=utcnow()))
    batch: list[Processed | Failed] = [
        _reply(2, "poison", "<p2@x>"),
        _reply(3, "Re: Crushed cartons", "<r3@x>"),
    ]
    outcome = record_batch(store, "sales", "INBOX", 1, batch, {}, 3, cases=CaseSettings(reopen_days=14))
    assert (outcome.recorded, outcome.quarantined) == (1, 1)
    with store.sessions() as session:
        assert session.scalars(select(Case.status)).all() == ["open"]
        events = [tuple(row) for row in session.execute(select(CaseEvent.action, CaseEvent.detail))]
    assert [(action, detail["message_id"]) for action, detail in events] == [("reopened", "r3@x")]
    store.close()


def test_mail_without_threading_headers_joins_the_open_case_of_its_company_across_batches(
    db_url: str,
) -> None:
    store = _store(db_url)
    first = buyer_mail(
        "Cracked mugs PO 4500123", "The mugs of PO 4500123 arrived cracked.", message_id="<m1@x>"
    )
    record_batch(store, "sales", "INBOX", 1, [process(1, first, RULES, OWN)], {}, 1)
    colleague = (
        "Ana Ruiz <ana@harbor-imports.example>"  # same company, no In-Reply-To, the PO spelt otherwise
    )
    again = buyer_mail(
        "Cracked mugs PO 4500123", "Any news on po-4500123? 40 more are cracked.", colleague, "<m2@x>"
    )
    other = buyer_mail("Cracked mugs", "The mugs arrived cracked.", "Li <li@other-buyer.example>", "<m3@x>")
    record_batch(
        store, "sales", "INBOX", 1, [process(2, again, RULES, OWN), process(3, other, RULES, OWN)], {}, 3
    )
    with store.sessions() as session:
        cases = dict(session.execute(select(Contact.message_id, Contact.case_id)).tuples().all())
    assert (
        cases["m1@x"] is not None
        and cases["m2@x"] == cases["m1@x"]
        and cases["m3@x"] not in (None, cases["m1@x"])
    )
    store.close()


def test_an_old_history_complaint_is_logged_with_its_case_closed_and_new_mail_opens_another(
    db_url: str,
) -> None:
    store = _store(db_url)
    now = datetime.now(UTC)
    wrote = now - timedelta(days=200)
    old = buyer_mail("Cracked mugs PO 4500123", "40 of the mugs arrived cracked.", message_id="<h1@x>")
    recent = buyer_mail("Short shipment", "We counted 12 cartons less than the packing list.",
                        "Ana <ana@harbor-imports.example>", "<h2@x>")  # fmt: skip
    history = [
        process(1, old, RULES, OWN, arrival=Arrival(wrote, history=True)),
        process(2, recent, RULES, OWN, arrival=Arrival(now - timedelta(days=3), history=True)),
    ]
    record_batch(store, "sales", "INBOX", 1, history, {}, 2, cases=CaseSettings(history_open_days=30))
    with store.sessions() as session:
        cases = session.execute(select(Case.subject, Case.status, Case.opened_at, Case.resolved_at)).all()
        events = session.execute(select(CaseEvent.action, CaseEvent.actor, CaseEvent.detail)).all()
    closed, opened = sorted(cases, key=lambda row: row.opened_at)
    assert (closed.status, closed.resolved_at, opened.status) == ("resolved", None, "open")
    assert abs((closed.opened_at - wrote).total_seconds()) < 1
    ((action, actor, detail),) = events
    assert (action, actor) == ("resolved", "mailflow") and "history_open_days" in detail["reason"]
    again = buyer_mail(
        "Re: Cracked mugs PO 4500123", "Now 60 more mugs arrived cracked.", message_id="<n3@x>"
    )
    again = again.replace(b"Message-ID:", b"In-Reply-To: <h1@x>\nMessage-ID:", 1)
    live = process(3, again, RULES, OWN, arrival=Arrival(now, history=False))
    record_batch(store, "sales", "INBOX", 1, [live], {}, 3, cases=CaseSettings(history_open_days=30))
    with store.sessions() as session:
        statuses = sorted(session.scalars(select(Case.status)).all())
    assert statuses == ["open", "open", "resolved"]  # the new complaint did not revive the old case
    store.close()
