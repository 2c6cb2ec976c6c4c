"""SQLite's text search (issue 19): a trigram index over the message log, kept by triggers

The review page's search looks for a piece of text anywhere in the messages'
subjects, texts and trade references. On SQLite that was `LIKE '%...%'` over
every row: bench/overview.py, 200,000 contacts, a term found nowhere took
101-199 ms (the goal: 150), and 539 ms in Cyrillic, whose case SQLite's LIKE
cannot fold (a Python function per row does). PostgreSQL has had trigram
indexes since 0007 (33 ms).

This adds an FTS5 table with the trigram tokenizer (SQLite 3.34 or newer),
`contacts_search`, over contacts' subject, body and trade_refs. It is an
external-content table (content='contacts'): it keeps only the index, never a
second copy of the text, and three triggers keep it in step with every insert,
update and delete of a contact, whoever writes it. `detail=none` keeps the
rowids alone: 51 MB per 200,000 contacts instead of 332 MB with positions
(the text itself is 88 MB), built in 12 s instead of 29 s. Without positions
FTS5 cannot match a phrase, so review/text_index asks for every trigram of the
term (AND) and the search checks the rows it gets with its own LIKE: the index
only narrows, and finds what the scan found. A term found nowhere: 10 ms for the
whole page (40 ms in Cyrillic, for the customers, cases and invoices it still
scans). The price is paid on insert: about 0.05 ms of CPU per contact of the
ingest bench's size, 0.14 ms for the overview bench's longer texts.

Where FTS5 or its trigram tokenizer is missing the table is left out with a
warning and the search scans as before. PostgreSQL gets nothing here. The
table and its triggers are not in store/models' metadata (a virtual table has
no place there); a later migration that rebuilds `contacts` in SQLite's batch
mode drops the triggers with the old table and must create them again.

This revision was first meant for a kept `customers.last_contact_at`: measured,
it was not needed. `/customers?neglected=1` (109-153 ms on SQLite, 165-194 ms on
PostgreSQL) read the neglected report and then did its work a second time:
every listed customer's sales again, and thousands of addresses sent back to
the database to fetch one page. Reading it once, as plain rows, and fetching
the page's 50 customers by id: 77 / 70 ms, with 0006's indexes, exact for a
report as of any day, and nothing more to write on the inbound path.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 17:00:00
"""

from __future__ import annotations

import logging
import sqlite3

from alembic import op
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

log = logging.getLogger("mailflow.store.migrate")

TABLE = "contacts_search"
# An external-content table forgets a row by being told the row's old values ('delete').
_FORGET = (
    "INSERT INTO contacts_search (contacts_search, rowid, subject, body, trade_refs) "
    "VALUES ('delete', old.id, old.subject, old.body, old.trade_refs);"
)
_LEARN = (
    "INSERT INTO contacts_search (rowid, subject, body, trade_refs) "
    "VALUES (new.id, new.subject, new.body, new.trade_refs);"
)
TRIGGERS = {
    "contacts_search_insert": "AFTER INSERT ON contacts BEGIN " + _LEARN + " END",
    "contacts_search_delete": "AFTER DELETE ON contacts BEGIN " + _FORGET + " END",
    "contacts_search_update": (
        "AFTER UPDATE OF subject, body, trade_refs ON contacts BEGIN " + _FORGET + " " + _LEARN + " END"
    ),
}


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    try:
        with bind.begin_nested():  # a SQLite without FTS5 or the trigram tokenizer refuses only this
            bind.execute(
                text(
                    "CREATE VIRTUAL TABLE contacts_search USING fts5(subject, body, trade_refs, "
                    "content='contacts', content_rowid='id', tokenize='trigram', detail=none)"
                )
            )
    except OperationalError as refused:
        log.warning(
            "SQLite %s cannot build the search's trigram index (%s; FTS5 and SQLite 3.34 are needed): "
            "the review page's search will scan the message log",
            sqlite3.sqlite_version,
            refused.orig,
        )
        return
    for name, body in TRIGGERS.items():
        bind.execute(text(f"CREATE TRIGGER {name} {body}"))
    bind.execute(text("INSERT INTO contacts_search (contacts_search) VALUES ('rebuild')"))  # those logged


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute(f"DROP TABLE IF EXISTS {TABLE}")
