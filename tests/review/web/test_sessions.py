"""Sessions live on the server: a cookie kept from before a logout or a removal opens nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from flask.testing import FlaskClient

from mailflow.drafts.store import Outbox
from mailflow.review.accounts import Accounts
from tests.review.web.conftest import PASSWORD, Site, log_in

COOKIE = "mailflow_session"


def _copy_of_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None, "no session cookie"
    return cookie.value


def _client_with(site: Site, cookie: str) -> FlaskClient:
    """Someone else's browser holding a copy of the cookie (a shared computer, a stolen backup)."""
    client = site.app.test_client()
    client.set_cookie(COOKIE, cookie)
    return client


def _opens_nothing(client: FlaskClient, site: Site) -> None:
    draft_id = Outbox(site.store).drafts()[0]["id"]
    for path in ("/", f"/drafts/{draft_id}", "/customers/1"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
        assert "csrf_token" not in response.get_data(as_text=True)


def test_a_cookie_kept_from_before_logout_is_refused_after_it(client: FlaskClient, site: Site) -> None:
    token = log_in(client)
    kept = _copy_of_cookie(client)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    replayed = _client_with(site, kept)
    _opens_nothing(replayed, site)
    # Nor does the form token it was given before the logout approve anything.
    draft_id = int(Outbox(site.store).drafts()[0]["id"])
    approve = _client_with(site, kept).post(f"/drafts/{draft_id}/approve", data={"csrf_token": token})
    assert approve.status_code == 302 and approve.headers["Location"].startswith("/login")
    assert Outbox(site.store).drafts("approved") == []


def test_logging_out_ends_that_session_only(client: FlaskClient, site: Site) -> None:
    token = log_in(client)
    phone = site.app.test_client()  # the same reviewer on another device
    log_in(phone)
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/").status_code == 302
    assert phone.get("/").status_code == 200


def test_a_removed_reviewer_added_again_starts_from_a_new_login(client: FlaskClient, site: Site) -> None:
    log_in(client)
    kept = _copy_of_cookie(client)
    accounts = Accounts(site.store)
    assert accounts.remove("manager")
    accounts.add("manager", "a brand new password")
    _opens_nothing(_client_with(site, kept), site)
    log_in(client, password="a brand new password")
    assert client.get("/").status_code == 200


def test_a_session_ends_twelve_hours_after_the_login(client: FlaskClient, site: Site) -> None:
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        log_in(client)
        clock.shift(timedelta(hours=11, minutes=59))
        assert client.get("/").status_code == 200
        clock.shift(timedelta(minutes=2))
        _opens_nothing(client, site)


def test_a_login_starts_a_new_session_and_the_old_cookie_stays_out(client: FlaskClient, site: Site) -> None:
    """Session fixation: a cookie planted before the login is not the one that is logged in."""
    client.get("/login")
    planted = _copy_of_cookie(client)
    log_in(client, "manager", PASSWORD)
    assert _copy_of_cookie(client) != planted
    _opens_nothing(_client_with(site, planted), site)
