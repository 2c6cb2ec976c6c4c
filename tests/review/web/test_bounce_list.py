"""The bounced addresses' list and its "It works again" form, on SQLite and PostgreSQL, against a
small book counted by hand: the rows, paging, the downloads, clearing (token, origin, the sender's
claim afterwards), logins, escaping, the overview's link."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

import pytest
import time_machine
from flask.testing import FlaskClient

from mailflow.outbound.send_queue import SendQueue
from mailflow.store.bounces import bounced_among, mark_bounced
from mailflow.store.models import BouncedAddress
from tests.review.web.conftest import csrf_token, log_in
from tests.review.web.list_book import (
    NOW,
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
LIHUA, MALLORY, NOBODY = "lihua@huamei.example", "mallory@evil.example", "gone@nowhere.example"


@dataclass
class Book:
    lihua: int
    mallory: int
    approved: int  # an approved draft to Li Hua, which the sender would refuse while she is marked


def _mark(site: ListSite, traveller: time_machine.Traveller, address: str, evidence: str, day: int) -> None:
    """A mark as a delivery report or a refusal at RCPT leaves it, on that day of November at 08:00."""
    traveller.move_to(at(11, day, 8))
    with site.store.sessions.begin() as session:
        mark_bounced(session, address, evidence)
    traveller.move_to(NOW)


@pytest.fixture
def book(list_site: ListSite, frozen: time_machine.Traveller) -> Book:
    rows = list_site.book
    lihua = rows.customer(LIHUA, "Li Hua")
    mallory = rows.customer(MALLORY, HOSTILE)
    # Li Hua: a report on the 20th, another on the 25th (the latest counts); Mallory: a server's
    # refusal with her own text in it; nobody's address: a report on the 28th; one cleared long ago.
    _mark(list_site, frozen, LIHUA, "<dsn-1@mx.huamei.example>", 20)
    _mark(list_site, frozen, LIHUA, "<dsn-2@mx.huamei.example>", 25)
    _mark(list_site, frozen, MALLORY, f"550 5.1.1 {HOSTILE} no such user", 22)
    _mark(list_site, frozen, NOBODY, "<dsn-3@mx.nowhere.example>", 28)
    _mark(list_site, frozen, "old@fixed.example", "<dsn-0@mx.fixed.example>", 2)
    with list_site.store.sessions.begin() as session:
        session.get_one(BouncedAddress, "old@fixed.example").cleared_at = at(11, 3, 9)
        session.get_one(BouncedAddress, "old@fixed.example").cleared_by = "anna"
    # Waiting for Li Hua: two drafts to review and one approved; a sent one and a rejected one do not
    # wait, and a draft that only copies her is not hers. Mallory: one to review.
    rows.draft("followup", "pending_review", "Mugs?", LIHUA, "followup:1", customer_id=lihua)
    rows.draft("update", "pending_review", "News", "LiHua@HuaMei.example", "update:1", customer_id=lihua)
    approved = rows.draft("ack", "approved", "Re: Mugs", LIHUA, "ack:case:1", customer_id=lihua)
    rows.draft("update", "sent", "Old news", LIHUA, "update:0", customer_id=lihua, sent_at=at(11, 1))
    rows.draft("reminder", "rejected", "INV-1", LIHUA, "reminder:INV-1:1", customer_id=lihua)
    rows.draft("update", "pending_review", "News", "boss@huamei.example", "update:2", cc_addrs=[LIHUA])
    rows.draft("followup", "pending_review", "Hello", MALLORY, "followup:2", customer_id=mallory)
    return Book(lihua, mallory, approved)


@pytest.fixture
def client(list_site: ListSite, book: Book) -> FlaskClient:
    return list_site.client()


def _rows(html: str) -> list[str]:
    return [" ".join(row.split()) for row in list_rows(html)]


def test_the_list_shows_each_bounced_address_latest_first_with_why_whose_and_what_waits(
    client: FlaskClient, book: Book
) -> None:
    html = page_html(client, "/bounces")
    assert _rows(html) == [
        f"{NOBODY} 2026-11-28 08:00 &lt;dsn-3@mx.nowhere.example&gt; 0 It works again",
        f"{LIHUA} 2026-11-25 08:00 (Bounces: 2) &lt;dsn-2@mx.huamei.example&gt; Li Hua 3 It works again",
        f"{MALLORY} 2026-11-22 08:00 550 5.1.1 &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; no such user "
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; 1 It works again",
    ]
    assert f'<a href="/customers/{book.lihua}">Li Hua</a>' in html
    assert f'href="/customers/{book.mallory}"' in html
    assert 'data-label="Reason"' in html and '<table class="rows bounces">' in html


def test_cleared_addresses_say_when_and_who(client: FlaskClient) -> None:
    html = page_html(client, "/bounces?status=cleared")
    assert _rows(html) == [
        "old@fixed.example 2026-11-02 08:00 &lt;dsn-0@mx.fixed.example&gt; 0 2026-11-03 09:00 anna"
    ]
    assert "It works again" not in html


def test_the_address_filter_and_unknown_values(client: FlaskClient) -> None:
    assert [row.split()[0] for row in _rows(page_html(client, "/bounces?address=HUAMEI"))] == [LIHUA]
    html = page_html(client, "/bounces?status=gone&format=pdf")
    assert "Ignored (not a value this list knows): status=gone, format=pdf" in html
    assert len(_rows(html)) == 3  # the bounced ones, as without the filter


def test_the_downloads_hold_the_whole_list(client: FlaskClient, book: Book) -> None:
    response = client.get("/bounces?format=csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="bounces-20261201.csv"'
    rows = csv_rows(response.data)
    assert [(r["email"], r["marked_at"], r["reports"], r["customer"], r["waiting_drafts"]) for r in rows] == [
        (NOBODY, "2026-11-28 08:00", "1", "", "0"),
        (LIHUA, "2026-11-25 08:00", "2", str(book.lihua), "3"),
        (MALLORY, "2026-11-22 08:00", "1", str(book.mallory), "1"),
    ]
    assert (
        rows[1]["first_marked_at"] == "2026-11-20 08:00" and rows[1]["reason"] == "<dsn-2@mx.huamei.example>"
    )
    sheet = xlsx_rows(client.get("/bounces?status=cleared&format=xlsx").data)
    assert [(r["email"], r["cleared_by"], r["cleared_at"]) for r in sheet] == [
        ("old@fixed.example", "anna", "2026-11-03 09:00")
    ]


def test_51_bounced_addresses_make_two_pages(list_site: ListSite, frozen: time_machine.Traveller) -> None:
    for number in range(51):
        frozen.move_to(NOW - timedelta(minutes=number))
        with list_site.store.sessions.begin() as session:
            mark_bounced(session, f"buyer{number:02d}@shop.example", "<dsn@mx.shop.example>")
    frozen.move_to(NOW)
    client = list_site.client()
    first = page_html(client, "/bounces?address=shop")
    assert len(_rows(first)) == 50 and 'href="/bounces?address=shop&amp;page=2"' in first
    second = page_html(client, "/bounces?address=shop&page=2")
    assert _rows(second)[0].startswith("buyer50@shop.example")  # the earliest marked, last
    assert len(csv_rows(client.get("/bounces?address=shop&format=csv").data)) == 51


def test_it_works_again_clears_the_mark_and_the_sender_may_claim_a_draft_to_it(
    list_site: ListSite, book: Book, caplog: pytest.LogCaptureFixture
) -> None:
    client = list_site.app.test_client()
    log_in(client)
    token = csrf_token(page_html(client, "/bounces"))
    form = {"email": LIHUA, "back": "/bounces?address=hua", "csrf_token": token}
    (held,) = SendQueue(list_site.store).claim(["sales"], NOW, 10)
    assert held.id == book.approved and held.bounced == (LIHUA,)  # marked: the sender would refuse it
    with caplog.at_level(logging.INFO, logger="mailflow.audit"):
        response = client.post("/bounces/clear", data=form)
    assert response.status_code == 302 and response.headers["Location"] == "/bounces?address=hua"
    with list_site.store.sessions() as session:
        assert bounced_among(session, [LIHUA]) == set()
        assert session.get_one(BouncedAddress, LIHUA).cleared_by == "manager"
    assert f"manager cleared the bounce mark of {LIHUA}" in caplog.text
    again = list_site.book.draft("ack", "approved", "Re: Mugs", LIHUA, "ack:case:2", customer_id=book.lihua)
    (claimed,) = SendQueue(list_site.store).claim(["sales"], NOW, 10)
    assert claimed.id == again and claimed.bounced == ()
    html = page_html(client, "/bounces")
    assert LIHUA not in html.split("<main>", 1)[1].split("<table", 1)[1]
    assert f"{LIHUA}: cleared" in html
    assert f"{LIHUA} is not marked as bouncing" in _follow(client, "/bounces/clear", form)  # a second time


def _follow(client: FlaskClient, url: str, form: dict[str, str]) -> str:
    return client.post(url, data=form, follow_redirects=True).get_data(as_text=True)


def test_the_form_needs_its_token_and_this_sites_origin(list_site: ListSite, book: Book) -> None:
    client = list_site.app.test_client()
    token = log_in(client)
    assert client.post("/bounces/clear", data={"email": LIHUA}).status_code == 400  # no CSRF token
    refused = client.post(
        "/bounces/clear",
        data={"email": LIHUA, "csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert refused.status_code == 403
    with list_site.store.sessions() as session:
        assert bounced_among(session, [LIHUA]) == {LIHUA}


def test_the_list_its_downloads_and_the_form_need_a_login(list_site: ListSite, book: Book) -> None:
    client = list_site.app.test_client()
    for url in ("/bounces", "/bounces?format=csv", "/bounces?status=cleared&format=xlsx"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url
    token = csrf_token(client.get("/login").get_data(as_text=True))  # a token, but no login
    response = client.post("/bounces/clear", data={"email": LIHUA, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    with list_site.store.sessions() as session:
        assert bounced_among(session, [LIHUA]) == {LIHUA}


def test_buyer_text_is_escaped(client: FlaskClient) -> None:
    main = page_html(client, "/bounces").split("<main>", 1)[1]
    assert "<script>" not in main
    assert main.count("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") == 2  # the reason and the name


def test_the_overviews_bounced_count_links_to_the_list(client: FlaskClient) -> None:
    html = page_html(client, "/overview")
    assert '<li id="bounced"><a href="/bounces"><span class="n">3</span>' in html


def test_the_list_speaks_chinese(client: FlaskClient) -> None:
    client.get("/bounces?lang=zh")
    html = page_html(client, "/bounces")
    assert "退信地址" in html and "已恢复正常" in html and "下载整个列表" in html


def test_an_empty_list_says_so(list_site: ListSite) -> None:
    assert "Nothing matches these filters." in page_html(list_site.client(), "/bounces")
