"""The review page's list of customers: class, country, last contact, open cases and open balances;
or only the neglected ones, exactly those `mailflow report neglected` gives, in its order.

Part of the store's readers, like review/lists: plain dictionaries out, the callers never hold a session.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import Session

from mailflow.ledger.customer_classes import abc_classes
from mailflow.review.list_sql import IN_LIMIT, PAGE_SIZE, Page, contains_any, page_number, page_of
from mailflow.review.reports import MOMENT, OPEN_INVOICE, ReportQueries
from mailflow.store.engine import Store
from mailflow.store.models import CLOSED_CASE_STATUSES, Case, Contact, Customer, Invoice

CLASSES = ("A", "B", "C")


@dataclass(frozen=True)
class CustomerFilter:
    klass: str = ""  # A, B or C: set on the list, or else from sales
    country: str = ""
    query: str = ""  # a piece of the name, company or email
    neglected: bool = False
    on_hold: bool = False  # on credit hold (ledger/credit_hold_store keeps it on the customer)


class CustomerList:
    def __init__(self, store: Store, cadence: dict[str, str]) -> None:
        self.sessions = store.sessions
        self.reports = ReportQueries(store)
        self.cadence = cadence

    def customers(self, chosen: CustomerFilter, now: datetime, page: int | None = 1) -> Page:
        """The newest customers first; neglected ones in the report's order (never contacted, then the
        longest overdue)."""
        if chosen.neglected:
            return self._neglected(chosen, now, page)
        query = _columns()
        with self.sessions() as session:
            # Classes from sales take every listed customer's sales: read only when a filter or a row needs them.
            classes = _classes_from_sales(session) if chosen.klass else None
            query = query.where(*_conditions(session, chosen, classes or {}))
            rows, total, number = page_of(session, query.order_by(Customer.id.desc()), page)
            found = [row._asdict() for row in rows]
            if classes is None and any(row["listed"] and not row["class_set"] for row in found):
                classes = _classes_from_sales(session)
            figures = _figures(session, [row["id"] for row in found])
        return Page(_finished(found, classes or {}, figures), total, number)

    def _neglected(self, chosen: CustomerFilter, now: datetime, page: int | None) -> Page:
        """The report's neglected customers, in its order, with the other filters; the report's rows
        carry each one's class, so sales are read once, and only the shown page's rows are fetched."""
        rows, ids = self.reports.neglected_with_ids(self.cadence, now.astimezone(UTC).date(), now)
        classes = {ids[row["customer"]]: row["class"] for row in rows}
        ordered = [ids[row["customer"]] for row in rows if row["class"] == (chosen.klass or row["class"])]
        with self.sessions() as session:
            conditions = _conditions(session, replace(chosen, klass=""), {})
            if conditions:  # country or a piece of text: the ids that have it, not thousands of ids sent
                kept = set(session.scalars(select(Customer.id).where(*conditions)))
                ordered = [customer_id for customer_id in ordered if customer_id in kept]
            number = 1 if page is None else page_number(page, len(ordered))
            shown = ordered if page is None else ordered[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
            # A download takes every listed customer (no list of ids in the statement); a page its 50.
            wanted = Customer.listed.is_(True) if page is None else Customer.id.in_(shown)
            by_id = {row.id: row._asdict() for row in session.execute(_columns().where(wanted))}
            # One taken off the list between the two reads is left out, not an error.
            found = [by_id[customer_id] for customer_id in shown if customer_id in by_id]
            figures = _figures(session, shown)
        return Page(_finished(found, classes, figures), len(ordered), number)


def _columns() -> Any:
    return select(
        Customer.id, Customer.email, Customer.name, Customer.company, Customer.country, Customer.class_set,
        Customer.listed, Customer.credit_hold_reason, Customer.payment_days, Customer.credit_limit,
        Customer.credit_limit_currency,
    )  # fmt: skip


def _finished(
    found: list[dict[str, Any]], classes: dict[int, str], figures: dict[int, dict[str, Any]]
) -> list[dict[str, Any]]:
    """The rows as the page and the downloads show them: a class (unlisted: none) and the figures."""
    for row in found:
        del row["listed"]
        row["class"] = row.pop("class_set") or classes.get(row["id"], "")
        row.update(figures.get(row["id"], {}))
        row.setdefault("last_contact_at", None)
        row.setdefault("open_cases", 0)
        row.setdefault("balances", [])
    return found


def _classes_from_sales(session: Session) -> dict[int, str]:
    """Listed customers' classes from sales among the listed ones, as the weekly updates and the
    neglected report count them; a class set on the list wins where there is one."""
    rows = session.execute(select(Customer.id, Customer.annual_sales).where(Customer.listed.is_(True)))
    return abc_classes({customer_id: sales for customer_id, sales in rows})


def _conditions(
    session: Session, chosen: CustomerFilter, classes: dict[int, str]
) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if chosen.klass:
        computed = [customer_id for customer_id, klass in classes.items() if klass == chosen.klass]
        conditions.append(
            or_(
                Customer.class_set == chosen.klass,
                and_(Customer.class_set == "", Customer.id.in_(computed)),
            )
        )
    if chosen.country:
        conditions.append(Customer.country == chosen.country)
    if chosen.on_hold:
        conditions.append(Customer.credit_hold_since.is_not(None))
    if chosen.query:
        conditions.append(
            contains_any(session, chosen.query, Customer.name, Customer.company, Customer.email)
        )
    return conditions


def _figures(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Last contact (in, out or manual), open cases and open balances per currency of these customers."""
    if not ids:
        return {}
    figures: dict[int, dict[str, Any]] = defaultdict(dict)
    by_contact = Contact.customer_id.in_(ids) if len(ids) <= IN_LIMIT else true()
    for customer_id, last in session.execute(
        select(Contact.customer_id, func.max(MOMENT)).where(by_contact).group_by(Contact.customer_id)
    ):
        figures[customer_id]["last_contact_at"] = last
    by_case = Case.customer_id.in_(ids) if len(ids) <= IN_LIMIT else true()
    for customer_id, count in session.execute(
        select(Case.customer_id, func.count(Case.id))
        .where(by_case, Case.status.not_in(CLOSED_CASE_STATUSES))
        .group_by(Case.customer_id)
    ):
        figures[customer_id]["open_cases"] = count
    by_invoice = Invoice.customer_id.in_(ids) if len(ids) <= IN_LIMIT else true()
    balances = session.execute(
        select(Invoice.customer_id, Invoice.currency, func.sum(Invoice.amount - Invoice.paid_amount))
        .where(by_invoice, OPEN_INVOICE)
        .group_by(Invoice.customer_id, Invoice.currency)
        .order_by(Invoice.currency)
    )
    for customer_id, currency, balance in balances:
        figures[customer_id].setdefault("balances", []).append(
            {"currency": currency, "amount": Decimal(balance).quantize(Decimal("0.01"))}
        )
    return figures
