"""Every route of the review page through Flask's test client, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from flask.testing import FlaskClient

from mailflow.drafts.store import Outbox
from mailflow.ledger.sheet_records import InvoiceRecord
from mailflow.ledger.store import Ledger
from mailflow.outbound.sender import Sender
from mailflow.review.accounts import FREE_FAILURES_PER_NAME, Accounts
from mailflow.schedule.tick import Scheduler
from tests.review.web.conftest import PASSWORD, Site, csrf_token, log_in


def _draft_id(site: Site, template_suffix: str) -> int:
    (draft,) = [d for d in Outbox(site.store).drafts() if d["template"].endswith(template_suffix)]
    return int(draft["id"])


def test_a_logged_out_request_is_sent_to_the_login_page(client: FlaskClient, site: Site) -> None:
    for path in ("/", f"/drafts/{_draft_id(site, '.zh')}", "/customers/1", "/attachments/1"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    response = client.post(f"/drafts/{_draft_id(site, '.zh')}/approve", data={})
    assert response.status_code in (302, 400)
    assert Outbox(site.store).drafts("approved") == []


def test_the_session_cookie_is_httponly_and_samesite(client: FlaskClient) -> None:
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": "manager", "password": PASSWORD, "csrf_token": token})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_wrong_password_is_refused_and_repeated_failures_are_rate_limited(client: FlaskClient) -> None:
    token = csrf_token(client.get("/login").get_data(as_text=True))
    for _ in range(FREE_FAILURES_PER_NAME):
        response = client.post(
            "/login", data={"username": "manager", "password": "wrong", "csrf_token": token}
        )
        assert response.status_code == 401
    right = client.post("/login", data={"username": "manager", "password": PASSWORD, "csrf_token": token})
    assert right.status_code == 429  # even the right password waits its turn


def test_a_forged_form_without_the_csrf_token_is_refused(client: FlaskClient, site: Site) -> None:
    log_in(client)
    draft_id = _draft_id(site, ".zh")
    response = client.post(f"/drafts/{draft_id}/approve", data={"subject": "x", "body": "y"})
    assert response.status_code == 400
    forged = client.post(f"/drafts/{draft_id}/approve", data={"csrf_token": "forged"})
    assert forged.status_code == 400
    draft = Outbox(site.store).draft(draft_id)
    assert draft is not None and draft["status"] == "pending_review"


def test_an_edit_is_approved_with_its_diff_and_the_reviewer_named(client: FlaskClient, site: Site) -> None:
    token = log_in(client)
    draft_id = _draft_id(site, ".zh")
    before = Outbox(site.store).draft(draft_id)
    assert before is not None
    body = before["body"].replace("尊敬的", "亲爱的")
    response = client.post(
        f"/drafts/{draft_id}/approve",
        data={"subject": before["subject"], "body": body.replace("\n", "\r\n"), "csrf_token": token},
    )
    assert response.status_code == 302
    after = Outbox(site.store).draft(draft_id)
    assert after is not None and after["status"] == "approved" and "亲爱的" in after["body"]
    edited, approved = after["events"][-2:]
    assert (edited["action"], edited["actor"]) == ("edited", "manager") and "+亲爱的" in edited["detail"]
    assert (approved["action"], approved["actor"]) == ("approved", "manager")


def test_a_draft_approved_twice_is_sent_once(client: FlaskClient, site: Site) -> None:
    token = log_in(client)
    other = site.app.test_client()  # a second reviewer's tab
    other_token = log_in(other)
    draft_id = _draft_id(site, ".zh")
    client.post(f"/drafts/{draft_id}/approve", data={"csrf_token": token})
    second = other.post(
        f"/drafts/{draft_id}/approve", data={"csrf_token": other_token}, follow_redirects=True
    )
    assert "cannot be approved" in second.get_data(as_text=True)
    draft = Outbox(site.store).draft(draft_id)
    assert draft is not None and [e["action"] for e in draft["events"]].count("approved") == 1
    assert Sender(site.settings, site.store).run_until_empty() == {"sent": 1}
    assert Sender(site.settings, site.store).run_until_empty() == {}
    assert len(site.sink.received) == 1


def test_a_rejected_draft_cannot_be_approved(client: FlaskClient, site: Site) -> None:
    token = log_in(client)
    draft_id = _draft_id(site, ".zh")
    client.post(f"/drafts/{draft_id}/reject", data={"reason": "wrong tone", "csrf_token": token})
    page = client.post(f"/drafts/{draft_id}/approve", data={"csrf_token": token}, follow_redirects=True)
    assert "cannot be approved" in page.get_data(as_text=True)
    draft = Outbox(site.store).draft(draft_id)
    assert draft is not None and draft["status"] == "rejected"
    assert draft["events"][-1]["detail"] == "wrong tone"


def test_a_batch_is_approved_at_once(client: FlaskClient, site: Site) -> None:
    token = log_in(client)
    ids = [str(d["id"]) for d in Outbox(site.store).drafts("pending_review")]
    client.post("/approve-batch", data={"draft": ids, "csrf_token": token})
    assert {d["status"] for d in Outbox(site.store).drafts()} == {"approved"}


def test_the_queue_puts_high_severity_first_and_filters(client: FlaskClient, site: Site) -> None:
    log_in(client)
    page = client.get("/").get_data(as_text=True)
    assert "货物破损投诉" in page and "Broken mugs" in page
    assert len(page.encode()) < 20_000  # no script, no framework: quick on a phone
    filtered = client.get("/?customer=lihua").get_data(as_text=True)
    assert "货物破损投诉" in filtered and "Broken mugs" not in filtered
    assert "待审核草稿" in client.get("/?lang=zh").get_data(as_text=True)


def test_the_draft_page_shows_the_buyer_message_beside_the_draft(client: FlaskClient, site: Site) -> None:
    log_in(client)
    page = client.get(f"/drafts/{_draft_id(site, '.zh')}").get_data(as_text=True)
    assert "这批杯子有很多开裂" in page and "尊敬的" in page  # the buyer's text and our draft
    assert "<details><summary>Quoted history</summary><pre>&gt; 2026-11-10" in page  # folded, escaped
    assert "裂纹.jpg" in page and 'class="thumb"' in page and "complaint:quality" in page


def test_hostile_buyer_content_renders_inert(client: FlaskClient, site: Site) -> None:
    log_in(client)
    response = client.get(f"/drafts/{_draft_id(site, '.en')}")
    page = response.get_data(as_text=True)
    assert "<script" not in page.lower()  # escaped in text, removed from HTML
    assert "&lt;script&gt;" in page
    assert 'href="javascript:' not in page and "onclick" not in page
    assert "tracker.example" not in page  # the remote image is gone
    assert "<b>broken</b>" in page  # harmless formatting stays
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "img-src 'self'" in policy


def test_attachments_are_served_to_reviewers_only(client: FlaskClient, site: Site) -> None:
    log_in(client)
    page = client.get(f"/drafts/{_draft_id(site, '.zh')}").get_data(as_text=True)
    link = page.split('class="thumb" src="', 1)[1].split('"', 1)[0]
    photo = client.get(link)
    assert photo.status_code == 200 and photo.mimetype == "image/jpeg"
    assert site.app.test_client().get(link).status_code == 302


def test_the_customer_page_logs_a_phone_call(client: FlaskClient, site: Site) -> None:
    token = log_in(client)
    (draft,) = [d for d in Outbox(site.store).drafts() if d["template"].endswith(".zh")]
    customer = draft["customer_id"]
    client.post(
        f"/customers/{customer}/contacts",
        data={"kind": "call", "text": "李华打电话说照片今天发。", "csrf_token": token},
    )
    ledger = Ledger(site.store)
    ledger.import_invoices("invoices.csv", [
        InvoiceRecord(2, "INV-88", "lihua@huamei-home.example", Decimal("50000.00"), "CNY", date(2026, 10, 1),
                      date(2026, 11, 30), Decimal("20000.00"), None, "PO20261102"),
    ])  # fmt: skip
    page = client.get(f"/customers/{customer}").get_data(as_text=True)
    assert "李华打电话说照片今天发。" in page and "manual:call" in page and "货物破损投诉" in page
    assert "INV-88" in page and "30000.00 CNY" in page  # the open balance
    (manual,) = [c for c in site.store.contacts() if c["direction"] == "manual"]
    assert manual["customer"] == "lihua@huamei-home.example"


def test_a_removed_reviewer_is_logged_out_at_once(client: FlaskClient, site: Site) -> None:
    log_in(client)
    assert client.get("/").status_code == 200
    Accounts(site.store).remove("manager")
    assert client.get("/").status_code == 302


def test_a_login_link_never_sends_the_reviewer_elsewhere(site: Site) -> None:
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        client = site.app.test_client()
        token = csrf_token(client.get("/login").get_data(as_text=True))
        response = client.post(
            f"/login?next={target}", data={"username": "manager", "password": PASSWORD, "csrf_token": token}
        )
        assert response.headers["Location"] == "/overview"


def test_a_scheduled_reminder_is_reviewed_like_a_reply(client: FlaskClient, site: Site) -> None:
    """No buyer message beside it: the page shows the draft, its customer and its invoice."""
    customer = str(Outbox(site.store).drafts()[0]["customer"])
    due = date.today() + timedelta(days=7)
    record = InvoiceRecord(
        row=2, number="INV-77", customer_email=customer, amount=Decimal("980"), currency="USD",
        issued=due - timedelta(days=30), due=due, paid_amount=Decimal("0"), paid_on=None, order_ref="",
    )  # fmt: skip
    Ledger(site.store).import_invoices("invoices.csv", [record])
    now = datetime.now(UTC)
    scheduler = Scheduler(site.settings, site.store)
    due_items = [i for i in scheduler.due(now, now + timedelta(days=4))[1] if i.kind == "reminder"]
    rows, skipped = scheduler.rows(due_items, now, scheduler.problems.begin("schedule"))
    assert skipped == 0 and scheduler.store.create_drafts(rows, now) == ["reminder:INV-77:-7"]
    token = log_in(client)
    queue = client.get("/").get_data(as_text=True)
    assert "INV-77" in queue
    reminder = next(d for d in Outbox(site.store).drafts() if d["kind"] == "reminder")
    page = client.get(f"/drafts/{reminder['id']}")
    assert page.status_code == 200 and "INV-77" in page.get_data(as_text=True)
    response = client.post(f"/drafts/{reminder['id']}/approve", data={"csrf_token": token})
    assert response.status_code == 302
    assert Outbox(site.store).draft(int(reminder["id"]))["status"] == "approved"  # type: ignore[index]
