"""The lists of cases, invoices, customers and sent or rejected mail, on SQLite and PostgreSQL: each
filter, paging, the downloads, logins and escaping, against numbers counted by hand below."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import event

from mailflow.review.case_views import CaseViews
from mailflow.review.list_tables import CASE_COLUMNS
from tests.review.web.list_book import (
    DEFAULT_ZONE,
    Book,
    ListSite,
    at,
    csv_rows,
    frozen,
    list_rows,
    list_site,
    page_html,
    xlsx_rows,
)

__all__ = ["frozen", "list_site"]  # the fixtures, used by name
HOSTILE = "<script>alert('x')</script>"


@dataclass
class Ids:
    lihua: int
    maria: int
    mallory: int
    dieter: int
    kiri: int
    cases: list[int]  # case 1..7 at index 0..6
    invoices: list[int]  # invoice 1..6
    drafts: dict[str, int]


def _book(book: Book) -> Ids:
    """Five customers, seven cases, six invoices, four drafts; the comments say what each one is for."""
    lihua = book.customer("lihua@huamei.example", "Li Hua", timezone="Asia/Shanghai", listed=True,
                          annual_sales=Decimal(700), payment_days="10,25", credit_limit=Decimal(8000),
                          credit_limit_currency="USD")  # fmt: skip
    # Maria's INV-3 is 122 days overdue: on credit hold, as ledger/credit_hold_store leaves it.
    maria = book.customer("maria@casa.example", "Maria", company="Casa Bella", listed=True,
                          annual_sales=Decimal(200), credit_hold_since=at(9, 1),
                          credit_hold_reason="INV-3 is 122 days overdue")  # fmt: skip
    mallory = book.customer("mallory@evil.example", HOSTILE)  # not listed: no class
    dieter = book.customer(
        "dieter@haus.example", "Dieter", country="DE", listed=True, annual_sales=Decimal(100)
    )
    kiri = book.customer("kiri@kiwi.example", "Kiri", timezone="Pacific/Auckland", listed=True, class_set="A")
    # Computed classes among the listed (1000 of sales): Li Hua A (0 % before her), Maria B (70 %),
    # Dieter C (90 %); Kiri's list says A.
    c1 = book.case(lihua, "Cracked mugs", "high", "open", ["quality"], at(11, 30, 9), owner="anna")
    book.contact(lihua, "in", at(11, 30, 9), "Cracked mugs", "Many mugs cracked.", c1)  # W49, unanswered
    c2 = book.case(maria, "Late container", "medium", "acknowledged", ["shipping"], at(11, 24, 10))
    book.contact(maria, "in", at(11, 24, 10), "Late container", "Three weeks late.", c2)  # W48
    book.contact(maria, "out", at(11, 24, 13), "Re: Late container", "We are sorry.", c2)
    c3 = book.case(lihua, "Wrong terms", "low", "resolved", ["contract", "shipping"], at(11, 10, 8),
                   solution_kind="discount", solution_due=date(2026, 11, 5))  # past due, but resolved  # fmt: skip
    book.contact(lihua, "in", at(11, 10, 8), "Wrong terms", "", c3)
    book.contact(lihua, "out", at(11, 11, 8), "Re: Wrong terms", "", c3)
    c4 = book.case(mallory, HOSTILE, "medium", "open", ["service"], at(11, 20, 8))
    # Its Date header says the 18th; it reached our server on the 20th: the age counts from the 20th.
    book.contact(mallory, "in", at(11, 18, 8), HOSTILE, "", c4, arrived=at(11, 20, 8))
    c5 = book.case(maria, "Not a complaint", "high", "withdrawn", ["quality"], at(11, 15, 8))
    book.contact(maria, "in", at(11, 15, 8), "Not a complaint", "", c5)
    # Solutions agreed, due Nov 30 where Dieter is (the default zone): a day overdue. Kiri's was due Dec 1:
    # over in Auckland (Dec 2 there), not yet in UTC or Los Angeles.
    c6 = book.case(dieter, "Broken handles", "low", "agreed", ["quality"], at(11, 30, 10), owner="anna",
                   responsibility="production", solution_kind="refund", solution_amount=Decimal("120.50"),
                   solution_currency="USD", solution_due=date(2026, 11, 30))  # fmt: skip
    c7 = book.case(kiri, "Wrong colour", "low", "in_progress", ["quality"], at(11, 30, 11), owner="mei",
                   responsibility="packing", solution_kind="replacement", solution_due=date(2026, 12, 1))  # fmt: skip
    book.contact(kiri, "manual", at(11, 20, 9), "call", "Called Kiri.")  # Kiri (A, weekly) is 4 days overdue
    # Dieter has no contact at all.
    ack = book.draft("ack", "sent", "Re: Late container", "maria@casa.example", f"ack:case:{c2}", case_id=c2,
                     customer_id=maria, sent_at=at(11, 24, 13),
                     events=[("approved", "manager", "", at(11, 24, 12, 50))])  # fmt: skip
    rejected = book.draft("reminder", "rejected", "Invoice INV-3 is overdue", "maria@casa.example", "reminder:INV-3:1",
                          customer_id=maria,
                          events=[("rejected", "boss", f"wrong amount {HOSTILE}", at(11, 28, 9))])  # fmt: skip
    followup = book.draft("followup", "sent", "How are the mugs?", "lihua@huamei.example", "followup:1",
                          customer_id=lihua, sent_at=at(11, 26, 7),
                          events=[("approved", "anna", "", at(11, 26, 6))])  # fmt: skip
    book.draft(
        "update", "pending_review", "Weekly news", "dieter@haus.example", "update:1", customer_id=dieter
    )
    # Today (Dec 1, 12:00 UTC) is Dec 1 in Shanghai and Los Angeles (the default zone), Dec 2 in Auckland.
    i1 = book.invoice(
        lihua, "INV-1", "10000", "USD", date(2026, 11, 15), paid_amount=Decimal(4000)
    )  # 16 days
    i2 = book.invoice(kiri, "INV-2", "5000", "USD", date(2026, 11, 1))  # 31 days in Auckland, 30 in UTC
    i3 = book.invoice(maria, "INV-3", "30000", "CNY", date(2026, 8, 1), hold="buyer says paid")  # 122 days
    i4 = book.invoice(maria, "INV-4", "2000", "EUR", date(2026, 12, 10))  # not yet due
    i5 = book.invoice(lihua, "INV-5", "3000", "USD", date(2026, 11, 30), paid_amount=Decimal(3000),
                      paid_on=date(2026, 11, 20))  # fmt: skip
    i6 = book.invoice(lihua, "INV-6", "1000", "USD", date(2026, 10, 1), cancelled=True)
    drafts = {"ack": ack, "rejected": rejected, "followup": followup}
    cases = [c1, c2, c3, c4, c5, c6, c7]
    return Ids(lihua, maria, mallory, dieter, kiri, cases, [i1, i2, i3, i4, i5, i6], drafts)


@pytest.fixture
def ids(list_site: ListSite) -> Ids:
    return _book(list_site.book)


@pytest.fixture
def client(list_site: ListSite, ids: Ids) -> FlaskClient:
    return list_site.client()


def _case_order(client: FlaskClient, query: str, ids: Ids) -> list[int]:
    """Case numbers 1..7 in the order the page lists them (found by each case's subject link)."""
    rows = csv_rows(client.get(f"/cases?{query}&format=csv").data)
    return [ids.cases.index(int(row["case"])) + 1 for row in rows]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", [1, 2, 4, 7, 6]),  # open: not resolved or withdrawn; high first, then the newest
        ("status=unanswered", [1, 4, 6, 7]),  # no outbound contact yet; the oldest first within a severity
        ("status=acknowledged", [2]),
        ("status=resolved", [3]),
        ("status=all", [1, 5, 2, 4, 7, 6, 3]),
        ("status=all&category=shipping", [2, 3]),
        ("severity=medium", [2, 4]),
        ("status=all&customer=HUA", [1, 3]),  # the name or email, any case
        ("status=all&customer=casa.example", [5, 2]),
        ("older_than_days=7", [2, 4]),  # before Nov 24, 12:00
        ("older_than_days=11", [4]),  # before Nov 20, 12:00: case 4 arrived at 08:00 that day
        ("older_than_days=12", []),  # before Nov 19, 12:00: case 4's Date header (the 18th) does not count
        ("status=all&week=2026-W48", [2]),  # Nov 23 to 29: case 1 (Nov 30) is in W49
        ("status=all&owner=anna", [1, 6]),
        ("owner=mei", [7]),
        ("owner=none", [2, 4]),  # open and nobody's
        ("status=all&owner=none", [5, 2, 4, 3]),
        ("owner=manager", []),  # a reviewer who owns nothing
        ("overdue=1", [7, 6]),  # Kiri's is due Dec 1, and it is Dec 2 in Auckland
        ("status=all&overdue=1", [7, 6]),  # case 3's due date passed, but it is resolved
        ("overdue=1&owner=anna", [6]),
        ("overdue=0", [1, 2, 4, 7, 6]),  # not asked: every open case
    ],
)
def test_each_case_filter_lists_the_cases_counted_by_hand(
    client: FlaskClient, ids: Ids, query: str, expected: list[int]
) -> None:
    assert _case_order(client, query, ids) == expected


def test_the_case_page_shows_age_answer_and_links_to_each_case_and_its_acknowledgement(
    client: FlaskClient, ids: Ids
) -> None:
    html = page_html(client, "/cases")
    rows = list_rows(html)
    assert len(rows) == 5
    assert "Cracked mugs" in rows[0] and "27 h" in rows[0]  # Nov 30 09:00 to Dec 1 12:00
    assert "2026-11-24 13:00" in rows[1]  # case 2's first answer
    # The subject opens the case's page (issue 20); its acknowledgement, if any, is a link beside it.
    assert f'href="/cases/{ids.cases[1]}">Late container</a>' in html
    assert f'<a class="muted" href="/drafts/{ids.drafts["ack"]}">reply</a>' in html
    assert f'href="/cases/{ids.cases[0]}">Cracked mugs</a>' in html and html.count(">reply</a>") == 1


def test_unknown_case_filters_are_named_and_left_out(client: FlaskClient, ids: Ids) -> None:
    html = page_html(
        client, "/cases?status=bogus&severity=%3Cscript%3E&week=2026-W60&older_than_days=x&page=-3"
    )
    assert "status=bogus" in html and "week=2026-W60" in html and "older_than_days=x" in html
    assert "<script>" not in html.split("<main>", 1)[1]
    assert "severity=&lt;script&gt;" in html
    assert len(list_rows(html)) == 5  # the defaults: open cases, page 1


def test_the_case_list_shows_each_owner_and_marks_an_overdue_solution(client: FlaskClient, ids: Ids) -> None:
    rows = list_rows(page_html(client, "/cases"))
    subjects = ("Cracked", "Late", "Broken", "Wrong colour")
    by_subject = {subject: row for row in rows for subject in subjects if subject in row}
    assert "anna" in by_subject["Cracked"] and "overdue" not in by_subject["Cracked"]
    assert "overdue: 2026-11-30" in by_subject["Broken"] and "anna" in by_subject["Broken"]
    assert "overdue: 2026-12-01" in by_subject["Wrong colour"] and "mei" in by_subject["Wrong colour"]
    assert "—" in by_subject["Late"]  # nobody owns it
    html = page_html(client, "/cases?owner=none")
    assert '<option value="none" selected>' in html
    owners = html.split('name="owner"', 1)[1].split("</select>", 1)[0]
    # All, nobody, then the reviewers and whoever owns a case, by name.
    assert re.findall(r'<option value="([^"]*)"', owners) == ["", "none", "anna", "manager", "mei"]


def test_unknown_owner_and_overdue_values_are_named_and_left_out(client: FlaskClient, ids: Ids) -> None:
    html = page_html(client, "/cases?owner=bob&overdue=yes")
    assert "owner=bob" in html and "overdue=yes" in html
    assert len(list_rows(html)) == 5  # every open case
    assert 'href="/cases?format=xlsx"' in html  # the download does not carry what was ignored


def test_the_overdue_filter_follows_the_cases_list_rule_at_midnight_in_the_buyers_zone(
    list_site: ListSite, ids: Ids, frozen: time_machine.Traveller
) -> None:
    views = CaseViews(list_site.store, DEFAULT_ZONE)
    frozen.move_to(at(12, 1, 10, 59))  # 23:59 on Dec 1 in Auckland: Kiri's solution (due Dec 1) is on time
    client = list_site.client()
    assert _case_order(client, "overdue=1", ids) == [6]
    assert [row["id"] for row in views.cases(datetime.now(UTC)) if row["overdue"]] == [ids.cases[5]]
    assert "overdue" not in next(
        row for row in list_rows(page_html(client, "/cases")) if "Wrong colour" in row
    )
    frozen.move_to(at(12, 1, 11))  # midnight in Auckland
    assert _case_order(client, "overdue=1", ids) == [7, 6]
    assert [row["id"] for row in views.cases(datetime.now(UTC)) if row["overdue"]] == ids.cases[5:7]


def test_the_case_download_carries_owner_responsibility_solution_and_due(
    client: FlaskClient, ids: Ids
) -> None:
    rows = {row["case"]: row for row in csv_rows(client.get("/cases?status=all&format=csv").data)}
    broken = rows[str(ids.cases[5])]
    assert {column: broken[column] for column in CASE_COLUMNS[-7:]} == {
        "owner": "anna", "responsibility": "production", "solution": "refund", "solution_amount": "120.50",
        "solution_currency": "USD", "due": "2026-11-30", "overdue": "yes",
    }  # fmt: skip
    late = rows[str(ids.cases[1])]
    assert [late[column] for column in CASE_COLUMNS[-7:]] == ["", "", "", "", "", "", "no"]
    assert rows[str(ids.cases[2])]["due"] == "2026-11-05" and rows[str(ids.cases[2])]["overdue"] == "no"
    (sheet_row,) = xlsx_rows(client.get("/cases?owner=anna&overdue=1&format=xlsx").data)
    assert (sheet_row["case"], sheet_row["solution_amount"], sheet_row["owner"]) == (
        ids.cases[5],
        120.5,
        "anna",
    )


def test_the_case_list_reads_the_same_few_statements_however_many_cases_it_shows(
    list_site: ListSite, ids: Ids
) -> None:
    client = list_site.client()

    def selects(url: str) -> list[str]:
        statements: list[str] = []

        def count(*args: Any) -> None:
            statements.append(args[2])

        event.listen(list_site.store.engine, "before_cursor_execute", count)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(list_site.store.engine, "before_cursor_execute", count)
        return [statement for statement in statements if statement.lstrip().upper().startswith("SELECT")]

    # The login check, the owners, the count, the page's rows, their first messages and answers, their
    # acknowledgements; the overdue filter adds the customers' zones.
    assert len(selects("/cases?status=all")) == 6
    assert len(selects("/cases?status=all&overdue=1")) == 7
    for number in range(12):
        case = list_site.book.case(ids.dieter, f"More {number}", "low", "agreed", ["quality"], at(11, 29),
                                   owner=f"rep{number}", solution_kind="repair", solution_due=date(2026, 11, 1))  # fmt: skip
        list_site.book.contact(ids.dieter, "in", at(11, 29), f"More {number}", "", case)
    assert len(selects("/cases?status=all")) == 6
    assert len(selects("/cases?status=all&overdue=1")) == 7


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["INV-3", "INV-2", "INV-1", "INV-4"]),  # open, the longest overdue first
        ("state=overdue", ["INV-3", "INV-2", "INV-1"]),
        ("state=held", ["INV-3"]),
        ("state=paid", ["INV-5"]),
        ("state=all", ["INV-3", "INV-6", "INV-2", "INV-1", "INV-5", "INV-4"]),
        ("currency=usd", ["INV-2", "INV-1"]),
        ("bucket=not_due", ["INV-4"]),
        ("bucket=1-30", ["INV-1"]),
        ("bucket=31-60", ["INV-2"]),  # Dec 2 in Auckland: 31 days
        ("bucket=61-90", []),
        ("bucket=90%2B", ["INV-3"]),
        ("customer=maria", ["INV-3", "INV-4"]),
    ],
)
def test_each_invoice_filter_lists_the_invoices_counted_by_hand(
    client: FlaskClient, query: str, expected: list[str]
) -> None:
    rows = csv_rows(client.get(f"/invoices?{query}&format=csv").data)
    assert [row["number"] for row in rows] == expected


def test_days_past_due_cross_a_bucket_at_midnight_in_the_customers_zone(
    list_site: ListSite, ids: Ids, frozen: time_machine.Traveller
) -> None:
    frozen.move_to(at(12, 1, 10, 59))  # 23:59 on Dec 1 in Auckland (NZDT, UTC+13): 30 days
    client = list_site.client()
    rows = csv_rows(client.get("/invoices?bucket=1-30&format=csv").data)
    assert [(row["number"], row["days_past_due"]) for row in rows] == [("INV-2", "30"), ("INV-1", "16")]
    frozen.move_to(at(12, 1, 11))  # midnight in Auckland: 31 days there, still 30 in UTC
    rows = csv_rows(client.get("/invoices?bucket=31-60&format=csv").data)
    assert [(row["number"], row["days_past_due"]) for row in rows] == [("INV-2", "31")]


def test_the_invoice_page_shows_balances_and_hold_reasons(client: FlaskClient) -> None:
    rows = list_rows(page_html(client, "/invoices"))
    assert [row.split()[0] for row in rows] == ["INV-3", "INV-2", "INV-1", "INV-4"]
    assert "30,000.00" in rows[0] and "122" in rows[0] and "buyer says paid" in rows[0]
    assert "10,000.00" in rows[2] and "6,000.00" in rows[2] and "16" in rows[2]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["kiri", "dieter", "mallory", "maria", "lihua"]),  # the newest first
        ("class=A", ["kiri", "lihua"]),  # Kiri's list says A; Li Hua's sales make her A
        ("class=b", ["maria"]),
        ("class=C", ["dieter"]),
        ("country=de", ["dieter"]),
        ("q=casa%20bella", ["maria"]),  # the company
        ("q=KIWI", ["kiri"]),  # the email
        ("neglected=1", ["dieter", "kiri"]),  # never contacted first, then Kiri 4 days overdue
        ("neglected=1&class=A", ["kiri"]),
        ("neglected=1&class=C", ["dieter"]),
        ("neglected=1&country=de", ["dieter"]),
        ("neglected=1&q=KIWI", ["kiri"]),
        ("neglected=1&q=maria", []),  # contacted within her fortnight
    ],
)
def test_each_customer_filter_lists_the_customers_counted_by_hand(
    client: FlaskClient, query: str, expected: list[str]
) -> None:
    rows = csv_rows(client.get(f"/customers?{query}&format=csv").data)
    assert [row["email"].split("@")[0] for row in rows] == expected
    # The page (50 rows at most, fetched by id) shows what the download holds, in its order.
    page = list_rows(page_html(client, f"/customers?{query}"))
    assert [next(word for word in row.split() if "@" in word).split("@")[0] for row in page] == expected


def test_the_customer_list_shows_class_last_contact_open_cases_and_balances(client: FlaskClient) -> None:
    rows = {row["email"]: row for row in csv_rows(client.get("/customers?format=csv").data)}
    assert rows["lihua@huamei.example"] == {
        "email": "lihua@huamei.example", "name": "Li Hua", "company": "", "class": "A", "country": "",
        "last_contact_at": "2026-11-30 09:00", "open_cases": "1", "open_balance": "USD 6000.00",
        "payment_days": "10,25", "credit_limit": "8000.00", "credit_limit_currency": "USD", "credit_hold_reason": "",
    }  # fmt: skip
    assert rows["maria@casa.example"]["credit_hold_reason"] == "INV-3 is 122 days overdue"
    assert rows["maria@casa.example"]["credit_limit"] == ""  # no limit
    sheet = {row["email"]: row for row in xlsx_rows(client.get("/customers?hold=1&format=xlsx").data)}
    assert list(sheet) == ["maria@casa.example"]  # the download keeps the hold filter
    assert sheet["maria@casa.example"]["credit_hold_reason"] == "INV-3 is 122 days overdue"
    limits = xlsx_rows(client.get("/customers?q=huamei&format=xlsx").data)
    assert [(row["credit_limit"], row["payment_days"]) for row in limits] == [(8000, "10,25")]  # a number
    assert rows["maria@casa.example"]["open_balance"] == "CNY 30000.00; EUR 2000.00"
    assert rows["maria@casa.example"]["open_cases"] == "1"  # the withdrawn case is not open
    assert rows["dieter@haus.example"]["last_contact_at"] == ""
    assert rows["mallory@evil.example"]["class"] == ""  # not on the reps' list
    html = page_html(client, "/customers?class=B")
    assert "CNY 30,000.00, EUR 2,000.00" in html


def test_sent_and_rejected_mail_say_who_decided(client: FlaskClient, ids: Ids) -> None:
    sent = csv_rows(client.get("/mail?format=csv").data)
    assert [(row["draft"], row["sent_at"], row["approved_by"]) for row in sent] == [
        (str(ids.drafts["followup"]), "2026-11-26 07:00", "anna"),
        (str(ids.drafts["ack"]), "2026-11-24 13:00", "manager"),
    ]
    rejected = csv_rows(client.get("/mail?status=rejected&format=csv").data)
    assert [(row["rejected_by"], row["reason"], row["rejected_at"]) for row in rejected] == [
        ("boss", f"wrong amount {HOSTILE}", "2026-11-28 09:00")
    ]
    html = page_html(client, "/mail?status=rejected")
    assert f'href="/drafts/{ids.drafts["rejected"]}"' in html
    assert "wrong amount &lt;script&gt;" in html


def test_51_customers_make_two_pages_and_the_links_keep_the_filters(list_site: ListSite) -> None:
    for number in range(51):
        list_site.book.customer(f"buyer{number:02d}@shop.example", f"Buyer {number:02d}")
    list_site.book.customer("other@else.example", "Other")
    client = list_site.client()
    first = page_html(client, "/customers?q=buyer")
    assert len(list_rows(first)) == 50
    assert 'href="/customers?q=buyer&amp;page=2"' in first and 'rel="prev"' not in first
    second = page_html(client, "/customers?q=buyer&page=2")
    assert len(list_rows(second)) == 1 and "buyer00@shop.example" in second  # the oldest, last
    assert 'href="/customers?q=buyer&amp;page=1"' in second and 'rel="next"' not in second
    assert len(list_rows(page_html(client, "/customers?q=buyer&page=abc"))) == 50  # not a number: page 1
    assert len(list_rows(page_html(client, "/customers?q=buyer&page=99"))) == 1  # past the end: the last page
    # The downloads hold the whole filtered list, not the page.
    assert len(csv_rows(client.get("/customers?q=buyer&format=csv").data)) == 51
    assert len(xlsx_rows(client.get("/customers?q=buyer&format=xlsx").data)) == 51


def test_the_downloads_hold_the_same_rows_as_the_list(client: FlaskClient, ids: Ids) -> None:
    response = client.get("/invoices?state=all&format=xlsx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"] == 'attachment; filename="invoices-20261201.xlsx"'
    sheet = xlsx_rows(response.data)
    assert [(row["number"], row["amount"], row["balance"]) for row in sheet] == [
        ("INV-3", 30000, 30000), ("INV-6", 1000, 1000), ("INV-2", 5000, 5000), ("INV-1", 10000, 6000),
        ("INV-5", 3000, 0), ("INV-4", 2000, 2000),
    ]  # fmt: skip
    cases = xlsx_rows(client.get("/cases?status=all&format=xlsx").data)
    assert [row["case"] for row in cases] == [ids.cases[i - 1] for i in (1, 5, 2, 4, 7, 6, 3)]
    assert cases[3]["subject"] == HOSTILE and cases[3]["age_days"] == 11  # Nov 20 08:00 to Dec 1 12:00
    csv_cases = csv_rows(client.get("/cases?status=all&format=csv").data)
    assert [row["subject"] for row in csv_cases] == [row["subject"] for row in cases]
    assert csv_cases[6]["categories"] == "contract,shipping"
    page = page_html(client, "/cases?status=all&severity=high")
    assert 'href="/cases?status=all&amp;severity=high&amp;format=xlsx"' in page
    assert 'href="/cases?status=all&amp;severity=high&amp;format=csv"' in page


def test_buyer_text_is_escaped_in_every_list(client: FlaskClient) -> None:
    for url in ("/cases", "/customers", "/invoices?state=all", "/mail?status=rejected"):
        main = page_html(client, url).split("<main>", 1)[1]
        assert "<script>" not in main, url
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page_html(client, "/cases")
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page_html(client, "/customers")


LOGGED_OUT_URLS = (
    "/cases", "/cases?format=csv", "/cases?format=xlsx", "/invoices", "/invoices?format=xlsx",
    "/customers", "/customers?neglected=1&format=csv", "/mail", "/mail?status=rejected&format=csv",
    "/search?q=mugs",
)  # fmt: skip


def test_every_list_and_download_needs_a_login(list_site: ListSite, ids: Ids) -> None:
    # One site for all the addresses: a logged-out request reads nothing, so they cannot disturb each other.
    client = list_site.app.test_client()
    for url in LOGGED_OUT_URLS:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login"), url


def test_the_lists_speak_chinese(client: FlaskClient) -> None:
    client.get("/cases?lang=zh")
    html = page_html(client, "/cases")
    assert "投诉案件" in html and "下载整个列表" in html and "质量" in html


def test_no_list_fails_on_an_empty_database(list_site: ListSite) -> None:
    client = list_site.client()
    for url in (
        "/cases",
        "/invoices",
        "/customers",
        "/customers?neglected=1",
        "/mail",
        "/mail?status=rejected",
    ):
        assert "Nothing matches these filters." in page_html(client, url)


def test_buyer_text_in_a_download_is_never_a_formula(list_site: ListSite) -> None:
    formula = '=HYPERLINK("http://evil.example","Click")'
    buyer = list_site.book.customer("eve@evil.example", "-2+3")
    list_site.book.case(buyer, formula, "high", "open", ["quality"], at(11, 30))
    client = list_site.client()
    (row,) = csv_rows(client.get("/cases?format=csv").data)
    assert row["subject"] == "'" + formula and row["customer_name"] == "'-2+3"
    sheet = load_workbook(io.BytesIO(client.get("/cases?format=xlsx").data)).active
    assert sheet is not None
    subject = sheet.cell(2, CASE_COLUMNS.index("subject") + 1)
    assert (subject.value, subject.data_type) == (formula, "s")
