"""The review page's list of customers: class, country, last contact, open cases and open balances;
or only the neglected ones, exactly those `mailflow report neglected` gives, in its order.

Part of the store's readers, like review/lists: plain dictionaries out, the callers never hold a session.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import Session

from mailflow.ledger.customer_classes import abc_classes
from mailflow.review.list_sql import IN_LIMIT, PAGE_SIZE, Page, contains, page_number, page_of
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


class CustomerList:
    def __init__(self, store: Store, cadence: dict[str, str]) -> None:
        self.sessions = store.sessions
        self.reports = ReportQueries(store)
        self.cadence = cadence

    def customers(self, chosen: CustomerFilter, now: datetime, page: int | None = 1) -> Page:
        """The newest customers first; neglected ones in the report's order (never contacted, then the
        longest overdue)."""
        order: dict[str, int] | None = None
        if chosen.neglected:
            neglected = self.reports.neglected(self.cadence, now.astimezone(UTC).date(), now)
            order = {row["customer"]: index for index, row in enumerate(neglected)}
        query = select(
            Customer.id, Customer.email, Customer.name, Customer.company, Customer.country, Customer.class_set,
            Customer.listed,
        )  # fmt: skip
        with self.sessions() as session:
            # Classes from sales take every listed customer's sales: read only when a filter or a row needs them.
            classes = _classes_from_sales(session) if chosen.klass else None
            query = query.where(*_conditions(session, chosen, classes or {}))
            if order is None:
                rows, total, number = page_of(session, query.order_by(Customer.id.desc()), page)
            else:
                rows, total, number = _in_report_order(
                    session, query.where(Customer.email.in_(order)), order, page
                )
            found = [row._asdict() for row in rows]
            if classes is None and any(row["listed"] and not row["class_set"] for row in found):
                classes = _classes_from_sales(session)
            figures = _figures(session, [row["id"] for row in found])
        for row in found:
            del row["listed"]
            row["class"] = row.pop("class_set") or (classes or {}).get(row["id"], "")  # unlisted: no class
            row.update(figures.get(row["id"], {}))
            row.setdefault("last_contact_at", None)
            row.setdefault("open_cases", 0)
            row.setdefault("balances", [])
        return Page(found, total, number)


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
    if chosen.query:
        conditions.append(
            or_(
                *(
                    contains(session, column, chosen.query)
                    for column in (Customer.name, Customer.company, Customer.email)
                )
            )
        )
    return conditions


def _in_report_order(
    session: Session, query: Any, order: dict[str, int], page: int | None
) -> tuple[list[Any], int, int]:
    rows = sorted(session.execute(query), key=lambda row: order[row.email])
    if page is None:
        return rows, len(rows), 1
    number = page_number(page, len(rows))
    return rows[(number - 1) * PAGE_SIZE : number * PAGE_SIZE], len(rows), number


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
