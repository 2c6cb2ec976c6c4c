"""The review page's search: customers, case subjects, messages (subject, text, trade references) and
invoices (number, order reference), each group newest first and cut at GROUP_LIMIT rows.

Part of the store's readers, like review/lists: plain dictionaries out, each hit with the text around
it (before, hit, after: the template escapes each part).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Executable, Text, and_, cast, select
from sqlalchemy.orm import Session, join

from mailflow.review.list_sql import contains, contains_any
from mailflow.review.lists import acknowledgements
from mailflow.review.text_index import SEARCH_INDEX, TextIndex, matching
from mailflow.store.engine import Store
from mailflow.store.models import Case, Contact, Customer, Invoice

MIN_LENGTH = 2  # one character finds half the database and tells nothing
GROUP_LIMIT = 50
_AROUND = 60  # characters shown on each side of a hit


class Search:
    def __init__(self, store: Store) -> None:
        self.sessions = store.sessions
        self.text_index = TextIndex()

    def find(self, query: str) -> dict[str, list[dict[str, Any]]]:
        """Every group's hits for `query` (surrounding spaces dropped); the caller checks MIN_LENGTH."""
        query = query.strip()
        with self.sessions() as session:
            customers = session.execute(
                select(Customer.id, Customer.email, Customer.name, Customer.company)
                .where(contains_any(session, query, Customer.name, Customer.company, Customer.email))
                .order_by(Customer.id.desc())
                .limit(GROUP_LIMIT)
            ).all()
            cases = session.execute(
                select(Case.id, Case.subject, Case.severity, Case.status, Case.customer_id, Customer.email)
                .join(Customer, Case.customer_id == Customer.id)
                .where(contains(session, Case.subject, query))
                .order_by(Case.id.desc())
                .limit(GROUP_LIMIT)
            ).all()
            messages = session.execute(self._messages(session, query)).all()
            invoices = session.execute(
                select(
                    Invoice.id,
                    Invoice.number,
                    Invoice.order_ref,
                    Invoice.amount,
                    Invoice.currency,
                    Invoice.customer_id,
                    Customer.email,
                )
                .join(Customer, Invoice.customer_id == Customer.id)
                .where(contains_any(session, query, Invoice.number, Invoice.order_ref))
                .order_by(Invoice.id.desc())
                .limit(GROUP_LIMIT)
            ).all()
            answers = acknowledgements(session, [row.id for row in cases])
        hit = re.compile(re.escape(query), re.IGNORECASE)
        return {
            "customers": _with_hits(hit, customers, ("name", "company", "email")),
            "cases": [
                {**row, "draft_id": answers.get(row["id"])} for row in _with_hits(hit, cases, ("subject",))
            ],
            "messages": _with_hits(
                hit, [_refs_as_text(row._asdict()) for row in messages], ("subject", "body", "refs")
            ),
            "invoices": _with_hits(hit, invoices, ("number", "order_ref")),
        }

    def _messages(self, session: Session, query: str) -> Executable:
        """Messages whose subject, text or trade references hold `query`, newest recorded first.

        Newest recorded first: in the table's own order, a scan reads it front to back (by `at` it
        would jump through the index; a search that finds little reads it all). Where SQLite's trigram
        index can answer the query, it hands over its candidates in the same order and the LIKE below
        checks only those.
        """
        # The references as JSON text; a hit on its keys alone is dropped below.
        holds = contains_any(session, query, Contact.subject, Contact.body, cast(Contact.trade_refs, Text))
        found: Any = Contact
        newest = Contact.id.desc()
        if self.text_index.answers(session, query):
            found = join(SEARCH_INDEX, Contact, Contact.id == SEARCH_INDEX.c.rowid)
            holds, newest = and_(matching(query), holds), SEARCH_INDEX.c.rowid.desc()
        return (
            select(
                Contact.id,
                Contact.direction,
                Contact.subject,
                Contact.body,
                Contact.trade_refs,
                Contact.at,
                Contact.customer_id,
                Customer.email,
            )
            .select_from(join(found, Customer, Contact.customer_id == Customer.id, isouter=True))
            .where(holds)
            .order_by(newest)
            .limit(GROUP_LIMIT)
        )


def _refs_as_text(row: dict[str, Any]) -> dict[str, Any]:
    row["refs"] = " ".join(
        f"{ref.get('kind', '').upper()} {ref.get('value', '')}" for ref in row.pop("trade_refs") or ()
    )
    return row


def _with_hits(hit: re.Pattern[str], rows: Sequence[Any], fields: tuple[str, ...]) -> list[dict[str, Any]]:
    """Each row with the first of `fields` that holds the query, and the text around it; rows where
    none does (SQL matched a trade reference's JSON keys) are left out."""
    found = []
    for row in rows:
        item = row if isinstance(row, dict) else row._asdict()
        for field in fields:
            match = hit.search(item[field] or "")
            if match:
                found.append({**item, "field": field, "snippet": snippet(item[field], match)})
                break
    return found


def snippet(text: str, match: re.Match[str]) -> dict[str, str]:
    """The hit and up to _AROUND characters on each side, on one line, '…' where the text was cut."""
    start, end = match.span()
    before, after = text[max(0, start - _AROUND) : start], text[end : end + _AROUND]
    return {
        "before": ("…" if start > _AROUND else "")
        + " ".join(before.split())
        + (" " if before[-1:].isspace() else ""),
        "hit": match.group(0),
        "after": (" " if after[:1].isspace() else "")
        + " ".join(after.split())
        + ("…" if end + _AROUND < len(text) else ""),
    }
