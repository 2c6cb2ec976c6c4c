"""SQLite's trigram index of the message log (migration 0012's `contacts_search`): whether a database
has it, whether it can answer a term, and the MATCH that narrows the search to the messages that may
hold it. The index only narrows: the search still checks each row with its own LIKE, so what it finds
is what a scan would find.

Part of the store's readers (review/search). PostgreSQL answers the same LIKE from 0007's pg_trgm
indexes and needs none of this.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import TableClause, TextClause, column, select, table, text
from sqlalchemy.orm import Session

TABLE = "contacts_search"
SEARCH_INDEX: TableClause = table(TABLE, column("rowid"))
TRIGRAM = 3  # shorter text has no trigram to look up
# Letters whose case the index folds exactly as Python's str.lower (the search's own folding for
# letters beyond ASCII): FTS5 folds by Unicode 6.1, so scripts that gained case later (Georgian
# Mtavruli, some IPA and Latin Extended-D letters) are left to the scan. Greek's Ϳ/ϳ came in 7.0;
# İ lowers to two characters in Python.
_FOLDED_ALIKE = ((0x00C0, 0x024F), (0x0370, 0x03FF), (0x0400, 0x04FF))
_NOT_ALIKE = frozenset("\u037f\u03f3\u0130")


class TextIndex:
    """Whether one database has the index: asked once, since the schema is fixed while mailflow runs."""

    def __init__(self) -> None:
        self._present: bool | None = None

    def answers(self, session: Session, query: str) -> bool:
        """The index finds every message the LIKE would: it is there and `query` is one it can look up."""
        if not searchable(query) or session.get_bind().dialect.name != "sqlite":
            return False
        if self._present is None:
            found = (
                select(text("1"))
                .select_from(text("sqlite_master"))
                .where(text("type = 'table' AND name = :name").bindparams(name=TABLE))
            )
            self._present = session.scalar(found) is not None
        return self._present


def searchable(query: str) -> bool:
    """Three characters or more, each caseless (Chinese, digits, punctuation) or folded alike."""
    return len(query) >= TRIGRAM and all(_folded_alike(character) for character in query)


def _folded_alike(character: str) -> bool:
    if character.isascii():
        return True
    if character in _NOT_ALIKE or unicodedata.category(character).startswith("M"):
        return False  # a combining mark: Python's İ lowers to i and one
    if character.lower() == character == character.upper():
        return True
    return any(low <= ord(character) <= high for low, high in _FOLDED_ALIKE)


def matching(query: str) -> TextClause:
    """The messages that hold each of the query's trigrams somewhere in their subject, text or references.

    The index keeps no positions (detail=none), so it cannot match a phrase: every trigram, in any
    order and any column, is a superset of the messages that hold the term, which the LIKE then checks.
    """
    trigrams = dict.fromkeys(query[start : start + TRIGRAM] for start in range(len(query) - TRIGRAM + 1))
    terms = " AND ".join('"' + trigram.replace('"', '""') + '"' for trigram in trigrams)
    return text(f"{TABLE} MATCH :terms").bindparams(terms=terms)
