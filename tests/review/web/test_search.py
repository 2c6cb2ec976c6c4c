"""The search over subjects, customers, trade references, invoices and message text, on SQLite and
PostgreSQL: Chinese and Cyrillic in any case, % and _ taken literally, hits shown escaped."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask.testing import FlaskClient

from tests.review.web.list_book import ListSite, at, frozen, list_site

__all__ = ["frozen", "list_site"]  # the fixtures, used by name


@pytest.fixture
def client(list_site: ListSite) -> FlaskClient:
    book = list_site.book
    lihua = book.customer("lihua@huamei.example", "李华", company="华美家居")
    olga = book.customer("olga@dom.example", "Ольга Петрова")
    mallory = book.customer("mallory@evil.example", "Mallory <script>alert('name')</script>")
    case = book.case(lihua, "Cracked mugs on PO4500123", "high", "open", ["quality"], at(11, 20, 8))
    book.contact(
        lihua, "in", at(11, 20, 8), "Cracked mugs on PO4500123", "这批杯子有很多开裂，质量太差了。", case
    )
    book.contact(lihua, "in", at(11, 21, 8), "Shipping documents", "Please see the attached papers.",
                 refs=[("po", "PO4500777"), ("bl", "COSU6612345"), ("container", "MSKU1234565")])  # fmt: skip
    book.contact(
        olga, "in", at(11, 22, 8), "Повреждённый груз", "Посылка пришла повреждённой, коробки мокрые."
    )
    book.contact(olga, "in", at(11, 23, 8), "Refund", "We want a 100% refund for file a_b.jpg.")
    book.contact(olga, "in", at(11, 24, 8), "Quantity", "We counted 1000 pieces in axb order.")
    book.contact(mallory, "in", at(11, 25, 8), "Broken <script>alert('s')</script>", "Hello <b>there</b>")
    book.invoice(lihua, "INV-2041", "5000", "USD", date(2026, 11, 1), order_ref="PO-7788")
    return list_site.client()


def _groups(client: FlaskClient, query: str) -> dict[str, list[str]]:
    """Each group's rows as plain text (tags taken out, the hit's <mark> too), by the group's heading."""
    response = client.get("/search", query_string={"q": query})
    assert response.status_code == 200
    html = response.get_data(as_text=True).split("<main>", 1)[1]
    found = {}
    for heading, body in re.findall(r"<h2>(\w+) \(\d+\)</h2>\s*<table[^>]*>(.*?)</table>", html, re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", re.sub(r"</?mark>", "", body), re.S)
        found[heading] = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]
    return found


def test_a_subject_finds_the_case_and_its_message(client: FlaskClient) -> None:
    found = _groups(client, "cracked MUGS")
    assert list(found) == ["Cases", "Messages"]
    assert "Cracked mugs on PO4500123" in found["Cases"][0]
    assert len(found["Messages"]) == 1


def test_a_customer_is_found_by_name_company_or_email(client: FlaskClient) -> None:
    assert [row.split(" name:")[0] for row in _groups(client, "李华")["Customers"]] == ["李华"]
    assert "company: 华美家居" in _groups(client, "华美")["Customers"][0]
    assert "email: olga@dom.example" in _groups(client, "OLGA@dom")["Customers"][0]


def test_trade_references_find_the_message_that_named_them(client: FlaskClient) -> None:
    (po,) = _groups(client, "po4500777")["Messages"]
    assert "Shipping documents" in po and "trade reference: PO PO4500777 BL COSU6612345" in po
    assert "Shipping documents" in _groups(client, "cosu6612345")["Messages"][0]  # a B/L
    assert "Shipping documents" in _groups(client, "MSKU1234565")["Messages"][0]  # a container
    found = _groups(client, "PO-7788")  # an invoice's order reference
    assert list(found) == ["Invoices"] and "INV-2041" in found["Invoices"][0]
    assert "INV-2041" in _groups(client, "inv-2041")["Invoices"][0]


def test_the_json_around_references_is_not_a_hit(client: FlaskClient) -> None:
    assert _groups(client, '"kind"') == {}
    assert _groups(client, "value") == {}


def test_message_text_is_found_in_chinese_and_in_cyrillic_of_any_case(client: FlaskClient) -> None:
    (chinese,) = _groups(client, "开裂")["Messages"]
    assert "text: 这批杯子有很多开裂，质量太差了。" in chinese
    (lower,) = _groups(client, "посылка")["Messages"]  # the text says "Посылка"
    assert "text: Посылка пришла повреждённой" in lower
    (upper,) = _groups(client, "ПОВРЕЖДЁННОЙ")["Messages"]
    assert "повреждённой" in upper
    assert len(_groups(client, "груз")["Messages"]) == 1  # in the subject


def test_percent_and_underscore_are_taken_literally(client: FlaskClient) -> None:
    (refund,) = _groups(client, "100%")["Messages"]
    assert "Refund" in refund  # not "1000 pieces"
    (underscore,) = _groups(client, "a_b")["Messages"]
    assert "Refund" in underscore  # not "axb"
    assert _groups(client, "%%") == {} and _groups(client, "__") == {}


def test_a_query_of_one_character_asks_for_more(client: FlaskClient) -> None:
    html = client.get("/search?q=%20a%20").get_data(as_text=True)
    assert "Type at least 2 characters." in html


def test_hits_are_shown_escaped(client: FlaskClient) -> None:
    html = client.get("/search?q=alert").get_data(as_text=True).split("<main>", 1)[1]
    assert "<script>" not in html
    assert "&lt;script&gt;<mark>alert</mark>(&#39;s&#39;)&lt;/script&gt;" in html
    assert "Mallory &lt;script&gt;<mark>alert</mark>(&#39;name&#39;)" in html
    assert "Hello &lt;b&gt;<mark>there</mark>&lt;/b&gt;" in client.get("/search?q=there").get_data(
        as_text=True
    )


def test_nothing_found_says_so(client: FlaskClient) -> None:
    assert "Nothing found for “zzzz”." in client.get("/search?q=zzzz").get_data(as_text=True)


def test_the_search_needs_a_login(list_site: ListSite) -> None:
    response = list_site.app.test_client().get("/search?q=mugs")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
