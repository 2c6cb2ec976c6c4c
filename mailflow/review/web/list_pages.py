"""The lists of cases, invoices, customers, sent or rejected mail and bounced addresses, and the search.

Filters are a plain GET form; a value the page does not know is named and left out, never an error.
Each list pages by 50 (`?page=N`, a bad number is page 1) and answers `?format=xlsx|csv` with the
whole filtered list (review/list_tables, written by review/report_export).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from flask import Flask, Response, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from mailflow.config.rules import COMPLAINT_CATEGORIES
from mailflow.config.settings import Settings
from mailflow.review.bounce_list import BOUNCE_STATUSES, BounceList
from mailflow.review.customer_list import CLASSES, CustomerFilter, CustomerList
from mailflow.review.list_sql import Page
from mailflow.review.list_tables import bounce_table, case_table, customer_table, invoice_table, mail_table
from mailflow.review.lists import (
    CASE_STATUSES,
    INVOICE_STATES,
    MAIL_STATUSES,
    NO_OWNER,
    CaseFilter,
    InvoiceFilter,
    ListQueries,
)
from mailflow.review.report_export import Table, csv_bytes, xlsx_bytes
from mailflow.review.report_figures import AGEING_BUCKETS
from mailflow.review.reports import SEVERITIES
from mailflow.review.search import GROUP_LIMIT, MIN_LENGTH, Search
from mailflow.review.web.bounce_form import register_bounce_form
from mailflow.store.engine import Store

CATEGORIES = tuple(tag.split(":", 1)[1] for tag in COMPLAINT_CATEGORIES)  # complaint:quality -> quality
_WEEK = re.compile(r"([0-9]{4})-W([0-9]{2})")
_NUMBER = re.compile(r"[0-9]{1,5}")  # a page or a number of days; more is nobody's list
_CURRENCY, _COUNTRY, _CLASS = re.compile(r"[A-Za-z]{3}"), re.compile(r"[A-Za-z]{2}"), re.compile(r"[ABCabc]")
_TEXT_LIMIT = 200  # a filter's text: longer is no one's customer name
_DOWNLOADS = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx_bytes),
    "csv": ("text/csv; charset=utf-8", csv_bytes),
}


class Chosen:
    """The filters read from the query string: the valid ones (kept in every link) and what was ignored."""

    def __init__(self, args: MultiDict[str, str]) -> None:
        self.args = args
        self.values: dict[str, str] = {}
        self.ignored: list[str] = []

    def choice(self, name: str, allowed: tuple[str, ...], default: str = "") -> str:
        value = self.args.get(name, "").strip()
        if value and value not in allowed:
            self.ignored.append(f"{name}={value}")
            value = ""
        self.values[name] = value
        return value or default

    def text(self, name: str) -> str:
        value = " ".join(self.args.get(name, "").split())[:_TEXT_LIMIT]
        self.values[name] = value
        return value

    def matching(self, name: str, pattern: re.Pattern[str], read: Callable[[re.Match[str]], Any]) -> Any:
        """A value of a fixed form (a number, a week, a code); None when absent or not of that form."""
        value = self.args.get(name, "").strip()
        found = pattern.fullmatch(value)
        try:
            result = read(found) if found else None
        except ValueError:  # 2026-W60: the right form, no such week
            result = None
        if value and result is None:
            self.ignored.append(f"{name}={value}")
        self.values[name] = value if result is not None else ""
        return result


def register_lists(app: Flask, settings: Settings, store: Store) -> None:
    lists = ListQueries(store, settings.schedule.default_timezone)
    customer_list, finder = CustomerList(store, settings.schedule.cadence), Search(store)
    bounce_list = BounceList(store)
    register_bounce_form(app, store)  # POST /bounces/clear: "it works again"

    @app.get("/cases")
    def cases() -> ResponseReturnValue:
        chosen, now = Chosen(request.args), datetime.now(UTC)
        owners = lists.case_owners()
        wanted = CaseFilter(
            status=chosen.choice("status", CASE_STATUSES, "open"),
            category=chosen.choice("category", CATEGORIES),
            severity=chosen.choice("severity", SEVERITIES),
            customer=chosen.text("customer"),
            older_than_days=chosen.matching("older_than_days", _NUMBER, lambda found: int(found.group(0))),
            week=chosen.matching(
                "week", _WEEK, lambda found: date.fromisocalendar(int(found[1]), int(found[2]), 1)
            ),
            owner=chosen.choice("owner", (NO_OWNER, *owners)),
            overdue=chosen.choice("overdue", ("1", "0")) == "1",
        )
        return _list_page(
            "cases",
            chosen,
            lambda page: lists.cases(wanted, now, page),
            lambda rows: case_table(rows, now),
            statuses=CASE_STATUSES,
            categories=CATEGORIES,
            severities=SEVERITIES,
            owners=owners,
            no_owner=NO_OWNER,
        )

    @app.get("/invoices")
    def invoices() -> ResponseReturnValue:
        chosen, now = Chosen(request.args), datetime.now(UTC)
        wanted = InvoiceFilter(
            state=chosen.choice("state", INVOICE_STATES, "open"),
            currency=chosen.matching("currency", _CURRENCY, _upper) or "",
            bucket=chosen.choice("bucket", AGEING_BUCKETS),
            customer=chosen.text("customer"),
        )
        return _list_page(
            "invoices",
            chosen,
            lambda page: lists.invoices(wanted, now, page),
            invoice_table,
            states=INVOICE_STATES,
            buckets=AGEING_BUCKETS,
        )

    @app.get("/customers")
    def customers() -> ResponseReturnValue:
        chosen, now = Chosen(request.args), datetime.now(UTC)
        wanted = CustomerFilter(
            klass=chosen.matching("class", _CLASS, _upper) or "",
            country=chosen.matching("country", _COUNTRY, _upper) or "",
            query=chosen.text("q"),
            neglected=chosen.choice("neglected", ("1", "0")) == "1",
            on_hold=chosen.choice("hold", ("1", "0")) == "1",
        )
        return _list_page(
            "customers",
            chosen,
            lambda page: customer_list.customers(wanted, now, page),
            customer_table,
            classes=CLASSES,
        )

    @app.get("/mail")
    def sent_mail() -> ResponseReturnValue:
        chosen = Chosen(request.args)
        status = chosen.choice("status", MAIL_STATUSES, "sent")
        return _list_page(
            "mail",
            chosen,
            lambda page: lists.sent_mail(status, page),
            lambda rows: mail_table(rows, status),
            statuses=MAIL_STATUSES,
            status=status,
        )

    @app.get("/bounces")
    def bounces() -> ResponseReturnValue:
        chosen = Chosen(request.args)
        status = chosen.choice("status", BOUNCE_STATUSES, "bounced")
        address = chosen.text("address")
        return _list_page(
            "bounces",
            chosen,
            lambda page: bounce_list.bounces(status, address, page),
            lambda rows: bounce_table(rows, status),
            statuses=BOUNCE_STATUSES,
            status=status,
        )

    @app.get("/search")
    def search() -> ResponseReturnValue:
        query = " ".join(request.args.get("q", "").split())[:_TEXT_LIMIT]
        too_short = len(query) < MIN_LENGTH
        found = {} if too_short else finder.find(query)
        return render_template(
            "search.html",
            query=query,
            too_short=too_short,
            found=found,
            min_length=MIN_LENGTH,
            limit=GROUP_LIMIT,
        )


def _upper(found: re.Match[str]) -> str:
    return found.group(0).upper()


def _list_page(
    template: str,
    chosen: Chosen,
    fetch: Callable[[int | None], Page],
    table: Callable[[list[dict[str, Any]]], Table],
    **choices: Any,
) -> ResponseReturnValue:
    """The page of rows the query string asks for, or the whole filtered list as a download."""
    wanted_format = chosen.args.get("format", "")
    if wanted_format in _DOWNLOADS:
        mimetype, write = _DOWNLOADS[wanted_format]
        data = write([table(fetch(None).rows)])
        name = f"{template}-{datetime.now(UTC):%Y%m%d}.{wanted_format}"
        return Response(
            data, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )
    if wanted_format:
        chosen.ignored.append(f"format={wanted_format}")
    raw_page = chosen.args.get("page", "")
    page = fetch(int(raw_page) if _NUMBER.fullmatch(raw_page) else 1)
    filters = {name: value for name, value in chosen.values.items() if value}
    return render_template(f"{template}.html", page=page, filters=filters, ignored=chosen.ignored, **choices)
