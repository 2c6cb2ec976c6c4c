"""Hand-built rows for the lists and search pages, and a logged-in review page over them."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook

from mailflow.config import settings as config
from mailflow.review.accounts import Accounts
from mailflow.review.web.app import create_app
from mailflow.store.engine import Store
from mailflow.store.models import Case, Contact, Customer, Draft, DraftEvent, Invoice
from tests.review.web.conftest import PASSWORD, BrowserClient, log_in
from tests.support.settings import write_settings

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)  # a Tuesday, in ISO week 2026-W49
# Customers without a time zone of their own are counted in this one (schedule.default_timezone).
DEFAULT_ZONE = "America/Los_Angeles"


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


class Book:
    """Writes rows the way the daemon would have left them, one small call per row."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.serial = 0

    def _add(self, row: object) -> int:
        with self.store.sessions.begin() as session:
            session.add(row)
            session.flush()
            return row.id  # type: ignore[attr-defined, no-any-return]

    def customer(self, email: str, name: str = "", **values: object) -> int:
        return self._add(Customer(email=email, name=name, domain=email.split("@")[1], **values))

    def case(
        self,
        customer: int,
        subject: str,
        severity: str,
        status: str,
        categories: Sequence[str],
        opened: datetime,
        **values: object,
    ) -> int:
        """A case as recording opens it: when its first message was recorded; `values`: its workflow
        (owner, responsibility, solution) as the case's moves leave it."""
        return self._add(
            Case(
                customer_id=customer, subject=subject, severity=severity, status=status, categories=list(categories),
                opened_at=opened, **values,
            )
        )  # fmt: skip

    def contact(
        self,
        customer: int,
        direction: str,
        moment: datetime,
        subject: str = "",
        body: str = "",
        case: int | None = None,
        arrived: datetime | None = None,
        refs: Sequence[tuple[str, str]] = (),
    ) -> int:
        self.serial += 1
        return self._add(
            Contact(
                direction=direction, customer_id=customer, case_id=case, mailbox="sales",
                dedupe_key=f"test:{self.serial}", subject=subject, body=body, at=moment,
                arrived_at=arrived or (moment if direction == "in" else None),
                trade_refs=[{"kind": kind, "value": value} for kind, value in refs],
            )
        )  # fmt: skip

    def invoice(
        self, customer: int, number: str, amount: str, currency: str, due: date, **values: object
    ) -> int:
        return self._add(
            Invoice(
                customer_id=customer, number=number, amount=Decimal(amount), currency=currency,
                issued=date(2026, 1, 1), due=due, **values,
            )
        )  # fmt: skip

    def draft(
        self,
        kind: str,
        status: str,
        subject: str,
        to: str,
        key: str,
        events: Sequence[tuple[str, str, str, datetime]] = (),
        **values: object,
    ) -> int:
        draft_id = self._add(
            Draft(
                kind=kind, status=status, policy="required", mailbox="sales", from_addr="sales@ningbo.example",
                recipient=to, to_addrs=[to], subject=subject, text="text", message_id=f"<{key}@ningbo.example>",
                idempotency_key=key, template=kind, template_inputs={}, **values,
            )
        )  # fmt: skip
        for action, actor, detail, moment in events:
            self._add(DraftEvent(draft_id=draft_id, action=action, actor=actor, detail=detail, at=moment))
        return draft_id


@dataclass
class ListSite:
    store: Store
    app: Flask
    book: Book

    def client(self) -> FlaskClient:
        """A client logged in as the manager."""
        client = self.app.test_client()
        log_in(client)
        return client


@pytest.fixture
def frozen() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def list_site(tmp_path: Path, db_url: str, frozen: time_machine.Traveller) -> Iterator[ListSite]:
    extra = f'\n[schedule]\ndefault_timezone = "{DEFAULT_ZONE}"\n'
    settings = config.load(write_settings(tmp_path, db_url, 1, "u", "p", extra=extra))
    store = Store(settings.database_url)
    store.create_schema()
    Accounts(store).add("manager", PASSWORD)
    app = create_app(settings, store, secret_key=b"t" * 32)
    app.test_client_class = BrowserClient
    yield ListSite(store, app, Book(store))
    store.close()


def csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "a CSV for Excel starts with the UTF-8 BOM"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_rows(data: bytes) -> list[dict[str, object]]:
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    header, *rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip([str(name) for name in header], row, strict=True)) for row in rows]


def page_html(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def list_rows(html: str) -> list[str]:
    """The body rows of the page's list, as text with the tags taken out."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return [re.sub(r"<[^>]+>", " ", row) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
