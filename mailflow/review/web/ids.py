"""Row ids from URLs and forms: only a number the id columns can hold; anything else is not found. Pure."""

from __future__ import annotations

import re

from werkzeug.routing import IntegerConverter, Map

# The id columns are INTEGER: 32 bits on PostgreSQL, which refuses a bigger number in a query
# with an error (SQLite does beyond 64 bits), where such an id must simply find nothing.
LARGEST_ID = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")  # ASCII only: str.isdigit() also takes '²' and '١'


class RowId(IntegerConverter):
    """`<int:...>` in the page's routes: a number beyond LARGEST_ID matches no route, so 404."""

    regex = r"[0-9]+"

    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, max=LARGEST_ID)


def form_id(value: str) -> int | None:
    """A row id sent in a form; None when it is not one any row could have."""
    if not _DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if number <= LARGEST_ID else None
