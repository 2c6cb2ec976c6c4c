"""GET /cases/<id> and its forms: the workflow on the page, as the logged-in reviewer, through the
origin and CSRF checks; an agreed refund reaches the Chinese buyer in Chinese, threaded, over SMTP."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import message_from_bytes, policy

from flask.testing import FlaskClient

from mailflow.drafts.store import Outbox
from mailflow.outbound.sender import Sender
from mailflow.review.case_views import CaseViews
from tests.review.web.conftest import Site, log_in


def _case_of(site: Site, customer: str) -> dict[str, object]:
    views = CaseViews(site.store, site.settings.schedule.default_timezone)
    return next(case for case in views.cases(datetime.now(UTC)) if case["customer"] == customer)


LIHUA = "lihua@huamei-home.example"


def test_the_case_page_offers_the_moves_its_state_allows_and_the_cases_list_links_to_it(
    client: FlaskClient, site: Site
) -> None:
    log_in(client)
    case_id = _case_of(site, LIHUA)["id"]
    assert f'href="/cases/{case_id}"' in client.get("/cases").get_data(as_text=True)
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "货物破损投诉 订单PO20261102" in page and "你好，这批杯子有很多开裂" in page
    for move in ("assign", "assess", "agree", "resolve", "note"):
        assert f'action="/cases/{case_id}/{move}"' in page
    for move in ("start", "reopen"):  # nothing agreed to carry out; nothing resolved to reopen
        assert f'action="/cases/{case_id}/{move}"' not in page
    rows = re.findall(r"<table class=\"rows\">.*?</table>", page, re.DOTALL)
    cells = [cell for table in rows for cell in re.findall(r"<td[^>]*>", table)]
    assert cells and all("data-label=" in cell for cell in cells)  # cards on a phone
    assert client.get("/cases/999999").status_code == 404


def test_an_agreed_refund_reaches_the_chinese_buyer_in_chinese_through_review_and_smtp(
    client: FlaskClient, site: Site
) -> None:
    token = log_in(client)
    case_id = _case_of(site, LIHUA)["id"]
    client.post(f"/cases/{case_id}/assign", data={"owner": "manager", "csrf_token": token})
    client.post(f"/cases/{case_id}/assess", data={"responsibility": "production", "csrf_token": token})
    agreed = client.post(
        f"/cases/{case_id}/agree",
        data={
            "solution": "refund",
            "amount": "1280.5",
            "currency": "cny",
            "due": "2026-12-20",
            "csrf_token": token,
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "The buyer&#39;s confirmation is drafted" in agreed and "1280.50 CNY" in agreed
    case = _case_of(site, LIHUA)
    assert (case["status"], case["owner"], case["responsibility"]) == ("agreed", "manager", "production")
    (draft,) = [d for d in Outbox(site.store).drafts() if d["kind"] == "solution"]
    assert draft["template"] == "solution.refund.zh" and draft["status"] == "pending_review"
    client.post(f"/drafts/{draft['id']}/approve", data={"csrf_token": token})
    assert Sender(site.settings, site.store).run_until_empty() == {"sent": 1}

    (raw,) = site.sink.received
    sent = message_from_bytes(raw, policy=policy.default)
    assert sent["To"] == LIHUA and sent["In-Reply-To"] == "<zh-complaint@huamei-home.example>"
    assert sent["Subject"] == "Re: 货物破损投诉 订单PO20261102"
    body = sent.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "退款CNY 1,280.50" in body and "2026-12-20" in body and "我们" in body

    page = client.get(f"/cases/{case_id}?lang=zh").get_data(as_text=True)
    assert "负责人" in page and "已商定方案" in page and "CNY" in page
    assert page.count('<td data-label="操作人">manager</td>') == 3  # assigned, assessed, agreed


def test_a_wrong_move_on_the_page_is_said_and_changes_nothing(client: FlaskClient, site: Site) -> None:
    token = log_in(client)
    case_id = _case_of(site, LIHUA)["id"]
    said = client.post(f"/cases/{case_id}/start", data={"csrf_token": token}, follow_redirects=True)
    assert "Not done: a case that is open cannot be started" in said.get_data(as_text=True)
    bad = client.post(
        f"/cases/{case_id}/agree",
        data={"solution": "refund", "amount": "50", "csrf_token": token},
        follow_redirects=True,
    )
    assert "an amount needs its currency" in bad.get_data(as_text=True)
    unknown = client.post(
        f"/cases/{case_id}/assign", data={"owner": "nobody", "csrf_token": token}, follow_redirects=True
    )
    assert "no reviewer named" in unknown.get_data(as_text=True)
    assert _case_of(site, LIHUA)["status"] == "open" and _case_of(site, LIHUA)["owner"] is None
    assert client.post(f"/cases/{case_id}/withdraw", data={"csrf_token": token}).status_code == 404


def test_a_case_form_without_its_token_or_from_another_site_is_refused(
    client: FlaskClient, site: Site
) -> None:
    token = log_in(client)
    case_id = _case_of(site, LIHUA)["id"]
    assert client.post(f"/cases/{case_id}/resolve").status_code == 400
    elsewhere = client.post(
        f"/cases/{case_id}/resolve", data={"csrf_token": token}, headers={"Origin": "https://evil.example"}
    )
    assert elsewhere.status_code == 403
    assert _case_of(site, LIHUA)["status"] == "open"
    client.post(f"/cases/{case_id}/resolve", data={"csrf_token": token})
    resolved = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert (
        f'action="/cases/{case_id}/reopen"' in resolved and f'action="/cases/{case_id}/agree"' not in resolved
    )


def test_the_acknowledgement_going_out_acknowledges_the_case_on_its_timeline(
    client: FlaskClient, site: Site
) -> None:
    token = log_in(client)
    case = _case_of(site, LIHUA)
    client.post(f"/cases/{case['id']}/assign", data={"owner": "manager", "csrf_token": token})
    (ack,) = [d for d in Outbox(site.store).drafts() if d["kind"] == "ack" and d["case"] == case["id"]]
    client.post(f"/drafts/{ack['id']}/approve", data={"csrf_token": token})
    assert Sender(site.settings, site.store).run_until_empty() == {"sent": 1}
    shown = CaseViews(site.store, "UTC").case(int(str(case["id"])), datetime.now(UTC))
    assert shown is not None and shown["status"] == "acknowledged"
    assert [(e["action"], e["actor"]) for e in shown["timeline"]] == [
        ("assigned", "manager"),
        ("acknowledged", "mailflow"),
    ]
