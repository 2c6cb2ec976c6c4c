"""What the review page's lists and search share: paging, and a case-insensitive "contains" that
takes a query's % and _ literally and folds Chinese, Cyrillic and Latin text alike on both databases.

Part of the store's readers (review/lists, review/search).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

PAGE_SIZE = 50
IN_LIMIT = 1000  # beyond this many ids (a download), a page's figures are read for every row at once
_ESCAPE = "\\"
_FOLD = "mailflow_lower"  # SQLite's own lower() and LIKE fold ASCII letters only


@dataclass(frozen=True)
class Page:
    """One page of a filtered list: its rows, how many rows the whole list has, and which page this is."""

    rows: list[dict[str, Any]]
    total: int
    number: int = 1

    @property
    def last(self) -> int:
        return last_page(self.total)


def last_page(total: int) -> int:
    """How many pages `total` rows fill; an empty list still has its one page."""
    return max(1, -(-total // PAGE_SIZE))


def page_number(asked: int, total: int) -> int:
    """The page asked for, within the pages there are (past the end: the last)."""
    return min(max(asked, 1), last_page(total))


def like_pattern(query: str) -> str:
    """`%query%` with the query's own %, _ and escape character taken literally."""
    escaped = query.replace(_ESCAPE, _ESCAPE * 2).replace("%", _ESCAPE + "%").replace("_", _ESCAPE + "_")
    return f"%{escaped}%"


def contains(session: Session, column: Any, query: str) -> ColumnElement[bool]:
    """`column` holds `query`, whatever the case of either.

    PostgreSQL's ILIKE folds every script its locale knows. SQLite's LIKE folds ASCII only, which is
    all a Chinese query or an ASCII one needs; a query with other letters that have a case (Cyrillic,
    accented Latin) compares both sides through Python's str.lower, registered on the connection,
    and pays a function call per row for it.
    """
    pattern = like_pattern(query)
    if session.get_bind().dialect.name != "sqlite":
        return column.ilike(pattern, escape=_ESCAPE)  # type: ignore[no-any-return]
    if all(character.isascii() or character.lower() == character.upper() for character in query):
        return column.like(pattern, escape=_ESCAPE)  # type: ignore[no-any-return]
    raw: Any = session.connection().connection.driver_connection
    raw.create_function(_FOLD, 1, _lower, deterministic=True)
    return getattr(func, _FOLD)(column).like(pattern.lower(), escape=_ESCAPE)  # type: ignore[no-any-return]


def contains_any(session: Session, query: str, *columns: Any) -> ColumnElement[bool]:
    """One of `columns` holds `query`, as `contains` compares."""
    return or_(*(contains(session, column, query) for column in columns))


def _lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


def page_of(session: Session, query: Any, page: int | None) -> tuple[list[Any], int, int]:
    """The rows of page `page` (1 = first; past the end: the last page), the total and the page's number;
    page None: every row (for a download) and no count."""
    if page is None:
        rows = list(session.execute(query))
        return rows, len(rows), 1
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    number = page_number(page, total)
    rows = list(session.execute(query.limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)))
    return rows, total, number
