"""The frame of the pages: header links to every page, ages, card tables, one form per action."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

from flask.testing import FlaskClient

from mailflow.drafts.store import Outbox
from mailflow.review.web.layout import age, waited
from tests.review.web.conftest import Site, log_in

NOW = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
# Where each page the header links to lives, written out by hand.
PAGES = {
    "overview": "/overview",
    "cases": "/cases",
    "invoices": "/invoices",
    "customers": "/customers",
    "sent_mail": "/mail",
}


class _Cells(HTMLParser):
    """The <td>s of every table.rows, with their data-label; and every form's action and id."""

    def __init__(self) -> None:
        super().__init__()
        self.depth_in_rows = 0  # how many table.rows we are inside
        self.labels: list[str | None] = []
        self.forms: list[dict[str, str | None]] = []
        self.buttons: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table" and "rows" in (found.get("class") or "").split():
            self.depth_in_rows += 1
        elif tag == "td" and self.depth_in_rows:
            self.labels.append(found.get("data-label"))
        elif tag == "form":
            self.forms.append(found)
        elif tag == "button":
            self.buttons.append(found)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth_in_rows:
            self.depth_in_rows -= 1


def _parsed(html: str) -> _Cells:
    cells = _Cells()
    cells.feed(html)
    return cells


def test_an_age_reads_in_minutes_then_hours_then_days() -> None:
    assert age("en", NOW - timedelta(minutes=59, seconds=59), NOW) == "59 min"
    assert age("en", NOW - timedelta(hours=1), NOW) == "1 h"
    assert age("en", NOW - timedelta(hours=47, minutes=59), NOW) == "47 h"
    assert age("en", NOW - timedelta(days=2), NOW) == "2 d"
    assert age("zh", NOW - timedelta(days=9, hours=23), NOW) == "9 天"
    assert age("en", NOW + timedelta(minutes=5), NOW) == "0 min"  # a clock a little ahead: never negative


def test_a_wait_in_hours_reads_like_an_age() -> None:
    """The overview's ages come from the reports in hours; they read as the queue's do."""
    assert waited("en", 0.5) == "30 min"
    assert waited("en", 24) == "24 h"
    assert waited("en", 67) == "2 d"
    assert waited("zh", 47.99) == "47 小时"


def test_the_header_links_to_every_page(client: FlaskClient) -> None:
    log_in(client)
    page = client.get("/").get_data(as_text=True)
    assert '<a href="/" aria-current="page">To review</a>' in page
    for endpoint, url in PAGES.items():
        assert f'<a href="{url}"' in page, endpoint
    assert 'action="/search"' in page and 'name="q"' in page


def test_the_login_page_shows_no_links_to_pages_behind_the_login(client: FlaskClient) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/"' not in page and "logout" not in page


def test_every_card_cell_says_its_column(client: FlaskClient, site: Site) -> None:
    log_in(client)
    (draft, *_) = Outbox(site.store).drafts("pending_review")
    for url in ("/", f"/drafts/{draft['id']}", f"/customers/{draft['customer_id']}"):
        labels = _parsed(client.get(url).get_data(as_text=True)).labels
        assert labels and all(labels), url


def test_the_queue_says_how_long_each_draft_has_waited(client: FlaskClient, site: Site) -> None:
    log_in(client)
    page = client.get("/").get_data(as_text=True)
    assert page.count('<td class="age" data-label="Waiting"><time datetime="') == 2
    assert page.count('id="approve-selected') == 2  # the batch button above and below the cards


def test_the_draft_page_has_one_form_per_action_and_approve_at_the_top(
    client: FlaskClient, site: Site
) -> None:
    log_in(client)
    (draft, *_) = Outbox(site.store).drafts("pending_review")
    page = client.get(f"/drafts/{draft['id']}").get_data(as_text=True)
    parsed = _parsed(page)
    actions = [form.get("action") for form in parsed.forms]
    assert actions.count(f"/drafts/{draft['id']}/approve") == 1
    assert actions.count(f"/drafts/{draft['id']}/reject") == 1
    (approve,) = [button for button in parsed.buttons if button.get("id") == "approve"]
    assert approve.get("form") == "approve-form"  # the edit form's, wherever the button sits
    assert page.index('id="approve"') < page.index('name="body"') < page.index('id="buyer-text"')
    assert 'href="#edit"' in page and 'id="edit"' in page
