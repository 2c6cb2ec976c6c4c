"""review/text_index: which terms SQLite's trigram index may answer, and that a search through it finds
exactly what the scan finds."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event, text

from mailflow.review.search import Search
from mailflow.review.text_index import searchable
from mailflow.store.engine import Store
from mailflow.store.models import Contact, Customer


@pytest.mark.parametrize(
    ("query", "answers"),
    [
        ("ab", False),  # no trigram in it
        ("PO4500", True),
        ("100%", True),
        ("开裂了", True),  # no case at all
        ("ПОВРЕЖДЁННОЙ", True),  # Cyrillic: FTS5 folds it as Python does
        ("οδος", True),
        ("straße", True),
        ("რუს", False),  # Georgian gained capitals (Mtavruli) after FTS5's Unicode 6.1
        ("ɜɜɜ", False),  # an IPA letter with a capital from Latin Extended-D
        ("İstanbul", False),  # Python lowers İ to two characters
        ("i\u0307st", False),  # and a combining mark could be the second of them
    ],
)
def test_the_index_answers_terms_of_three_characters_whose_case_it_folds_as_python(
    query: str, answers: bool
) -> None:
    assert searchable(query) is answers


TEXTS = [
    ("Cracked mugs on PO4500123", "这批杯子有很多开裂，质量太差了。"),
    ("Повреждённый груз", "Посылка пришла повреждённой, коробки мокрые."),
    ("ΟΔΟΣ", "Η παραγγελία ΠΟΥ ΗΡΘΕ ήταν σπασμένη."),
    ("Refund", "We want a 100% refund for file a_b.jpg."),
    ("Quantity", "We counted 1000 pieces in axb order. Dear sir, the quality..."),
    ("STRAẞE", "Lieferung in die Straße, KELVIN sign."),
    ("Ᲊ ᲠᲣᲡ", "Georgian capitals"),
    ('Quote "kind" here', 'He said "hello" and left'),
]
QUERIES = [
    "cracked MUGS", "po4500", "开裂", "посылка", "ПОВРЕЖДЁННОЙ", "груз", "οδος", "δοσ", "πού ήρθε", "100%", "a_b",
    "%%%", "___", '"kind"', "value", "cosu6612345", "the quality", "STRASSE", "straße", "kelvin", "რუს",
    'said "hello', "zzzz", "de",
]  # fmt: skip


def test_a_search_through_the_index_finds_exactly_what_the_scan_finds(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'mailflow.db'}")
    store.create_schema()
    with store.sessions.begin() as session:
        buyer = Customer(email="buyer@example.com")
        session.add(buyer)
        session.flush()
        for number, (subject, body) in enumerate(TEXTS * 60):  # more than a page of hits for some
            refs = [{"kind": "bl", "value": "COSU6612345"}] if number % 7 == 0 else []
            session.add(Contact(direction="in", customer_id=buyer.id, dedupe_key=str(number), subject=subject,
                                body=body, trade_refs=refs))  # fmt: skip
    indexed = {query: Search(store).find(query)["messages"] for query in QUERIES}
    assert len(indexed["po4500"]) == 50 and indexed["zzzz"] == [] and indexed["οδος"]
    with store.engine.begin() as connection:  # the same database without the index: a scan
        for name in ("contacts_search_insert", "contacts_search_update", "contacts_search_delete"):
            connection.execute(text(f"DROP TRIGGER {name}"))
        connection.execute(text("DROP TABLE contacts_search"))
    scanned = {query: Search(store).find(query)["messages"] for query in QUERIES}
    assert indexed == scanned
    store.close()


def test_the_index_is_asked_for_a_long_term_and_the_scan_for_a_short_one(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'mailflow.db'}")
    store.create_schema()
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    Search(store).find("mugs")
    assert any("contacts_search MATCH" in sql for sql in statements)
    statements.clear()
    Search(store).find("mu")
    assert statements and not any("contacts_search" in sql for sql in statements)
    store.close()
