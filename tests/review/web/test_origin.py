"""Every POST must come from a page of this site: its Origin (or, without one, its Referer) says so.

The CSRF token stays; this refuses a form another site posts even when it got hold of a token.
Browsers of today send Origin on every POST, so a POST with neither header is refused too.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from mailflow.drafts.store import Outbox
from tests.review.web.conftest import PASSWORD, SITE, Site, csrf_token, log_in

PROXY = "127.0.0.1"  # web.trusted_proxies by default
OUTSIDER = "203.0.113.7"


def _pending_draft(site: Site) -> int:
    return int(Outbox(site.store).drafts("pending_review")[0]["id"])


def _still_pending(site: Site, draft_id: int) -> bool:
    draft = Outbox(site.store).draft(draft_id)
    return draft is not None and draft["status"] == "pending_review"


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "http://localhost.evil.example"},
        {"Origin": "http://localhost:8080"},  # another port is another origin
        {"Origin": "https://localhost"},  # and another scheme
        {"Origin": "null"},  # a sandboxed frame, a data: URL
        {"Origin": "https://evil.example", "Referer": f"{SITE}/"},
        {"Origin": "", "Referer": "https://evil.example/"},
    ],
)
def test_a_post_from_another_origin_is_refused_even_with_a_valid_token(
    client: FlaskClient, site: Site, headers: dict[str, str]
) -> None:
    token = log_in(client)
    draft_id = _pending_draft(site)
    response = client.post(f"/drafts/{draft_id}/approve", data={"csrf_token": token}, headers=headers)
    assert response.status_code == 403
    assert _still_pending(site, draft_id)


def test_without_origin_the_referer_decides(client: FlaskClient, site: Site) -> None:
    token = log_in(client)
    del client.environ_base["HTTP_ORIGIN"]
    draft_id = _pending_draft(site)
    elsewhere = {"Referer": "https://evil.example/drafts"}
    assert (
        client.post(f"/drafts/{draft_id}/approve", data={"csrf_token": token}, headers=elsewhere).status_code
        == 403
    )
    here = {"Referer": f"{SITE}/drafts/{draft_id}"}
    assert (
        client.post(f"/drafts/{draft_id}/approve", data={"csrf_token": token}, headers=here).status_code
        == 302
    )
    assert not _still_pending(site, draft_id)


def test_a_post_with_neither_origin_nor_referer_is_refused(client: FlaskClient, site: Site) -> None:
    token = log_in(client)
    del client.environ_base["HTTP_ORIGIN"]
    draft_id = _pending_draft(site)
    assert client.post(f"/drafts/{draft_id}/approve", data={"csrf_token": token}).status_code == 403
    assert _still_pending(site, draft_id)


def test_a_login_form_posted_from_another_site_is_refused(client: FlaskClient) -> None:
    """Login CSRF: another site must not log the reviewer in as someone else."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        data={"username": "manager", "password": PASSWORD, "csrf_token": token},
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert client.get("/").status_code == 302


def test_a_form_posted_from_the_site_itself_is_accepted(client: FlaskClient, site: Site) -> None:
    token = log_in(client)
    draft_id = _pending_draft(site)
    response = client.post(
        f"/drafts/{draft_id}/approve", data={"csrf_token": token}, headers={"Origin": SITE}
    )
    assert response.status_code == 302 and not _still_pending(site, draft_id)


def test_behind_the_trusted_proxy_the_forwarded_scheme_and_host_are_the_origin(
    client: FlaskClient, site: Site
) -> None:
    public = "https://review.example.com"
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "review.example.com", "Origin": public}
    client.environ_base.update(REMOTE_ADDR=PROXY, HTTP_ORIGIN=public)
    token = csrf_token(client.get("/login", headers=forwarded).get_data(as_text=True))
    login = {"username": "manager", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=login, headers=forwarded).status_code == 302
    token = csrf_token(client.get("/", headers=forwarded).get_data(as_text=True))
    draft_id = _pending_draft(site)
    inner = {**forwarded, "Origin": SITE}  # the proxy's view of the site is not where the reviewer is
    assert (
        client.post(f"/drafts/{draft_id}/approve", data={"csrf_token": token}, headers=inner).status_code
        == 403
    )
    assert (
        client.post(f"/drafts/{draft_id}/approve", data={"csrf_token": token}, headers=forwarded).status_code
        == 302
    )
    assert not _still_pending(site, draft_id)


def test_forwarded_scheme_and_host_from_an_untrusted_peer_are_ignored(
    client: FlaskClient, site: Site
) -> None:
    client.environ_base["REMOTE_ADDR"] = OUTSIDER
    token = log_in(client)
    draft_id = _pending_draft(site)
    forged = {
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "evil.example",
        "Origin": "https://evil.example",
    }
    response = client.post(f"/drafts/{draft_id}/approve", data={"csrf_token": token}, headers=forged)
    assert response.status_code == 403 and _still_pending(site, draft_id)


def test_same_origin_pages_tell_the_browser_to_send_their_address_and_others_nothing(
    client: FlaskClient,
) -> None:
    """no-referrer would make browsers send `Origin: null` on the page's own forms."""
    assert client.get("/login").headers["Referrer-Policy"] == "same-origin"
