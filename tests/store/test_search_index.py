"""Migration 0012 (issue #19): SQLite's trigram index of the message log follows every write of a contact."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import delete, inspect, text, update
from sqlalchemy.exc import OperationalError

from mailflow.store.engine import Store
from mailflow.store.models import Contact
from tests.support.migrations import migrate


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'mailflow.db'}")


def _found(store: Store, terms: str) -> list[int]:
    """The ids the index gives for `terms`, after FTS5 checked that it agrees with the contacts table."""
    with store.engine.begin() as connection:
        connection.execute(text("INSERT INTO contacts_search (contacts_search) VALUES ('integrity-check')"))
        rows = connection.execute(
            text("SELECT rowid FROM contacts_search WHERE contacts_search MATCH :t"), {"t": terms}
        )
        return sorted(rows.scalars())


def _contact(
    store: Store, key: str, subject: str, body: str, refs: list[dict[str, str]] | None = None
) -> int:
    with store.sessions.begin() as session:
        row = Contact(direction="in", dedupe_key=key, subject=subject, body=body, trade_refs=refs or [])
        session.add(row)
        session.flush()
        return row.id


def test_the_index_follows_inserts_updates_and_deletes_of_contacts(store: Store) -> None:
    store.create_schema()
    mugs = _contact(store, "a", "Cracked mugs", "Many mugs cracked in transit.")
    cargo = _contact(
        store, "b", "Груз", "Посылка пришла повреждённой.", [{"kind": "bl", "value": "COSU6612345"}]
    )
    assert _found(store, '"MUG"') == [mugs]  # any case
    assert _found(store, '"пос" AND "осы"') == [cargo]
    assert _found(store, '"661" AND "612"') == [cargo]  # the trade references

    with store.sessions.begin() as session:
        session.execute(update(Contact).where(Contact.id == mugs).values(body="All plates broken."))
    assert _found(store, '"pla" AND "ate"') == [mugs]
    assert _found(store, '"ran" AND "nsi"') == []  # the old text is forgotten
    assert _found(store, '"mug"') == [mugs]  # the subject stayed

    with store.sessions.begin() as session:
        session.execute(update(Contact).where(Contact.id == mugs).values(tags=["complaint:quality"]))
    assert _found(store, '"mug"') == [mugs]  # other columns leave the index alone

    with store.sessions.begin() as session:
        session.execute(delete(Contact).where(Contact.id == cargo))
    assert _found(store, '"пос"') == [] and _found(store, '"661"') == []
    store.close()


def test_the_upgrade_indexes_the_contacts_already_logged_and_a_downgrade_takes_it_away(store: Store) -> None:
    migrate(store, "upgrade", "0011")
    with store.engine.begin() as connection:
        connection.execute(text("INSERT INTO contacts (direction, mailbox, dedupe_key, message_id, in_reply_to, "
                                "thread_refs, sender, reply_to, subject, body, full_text, html, at, tags, reasons, "
                                "severity, language, trade_refs, automatic, history, created_at) VALUES ('in', '', "
                                "'old', '', '', '[]', '', '', 'Late container', 'Three weeks late.', '', '', "
                                "'2026-11-02 09:00:00', '[]', '[]', 'low', '', '[]', false, false, "
                                "'2026-11-02 09:00:00')"))  # fmt: skip
    migrate(store, "upgrade", "0012")
    assert _found(store, '"wee" AND "eks"') == [1]

    migrate(store, "downgrade", "0011")
    assert "contacts_search" not in inspect(store.engine).get_table_names()
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).all() == []
    assert _contact(store, "new", "Refund", "We want a refund.") == 2  # contacts are written without it
    store.close()


def test_a_sqlite_without_the_trigram_tokenizer_gets_no_index_and_keeps_writing(
    store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """FTS5 is optional in SQLite builds and the trigram tokenizer came with 3.34: the upgrade goes on."""
    migrate(store, "upgrade", "0011")
    with store.engine.begin() as connection:
        # A table of that name makes CREATE VIRTUAL TABLE fail as a missing module would.
        connection.execute(text("CREATE TABLE contacts_search (x)"))
    migrate(store, "upgrade", "0012")
    assert "cannot build the search's trigram index" in caplog.text
    with store.engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).all() == []
    assert _contact(store, "a", "Cracked mugs", "") == 1
    with pytest.raises(OperationalError):  # it is still the plain table put there, not an index
        _found(store, '"mug"')
    store.close()
