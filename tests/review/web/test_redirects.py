"""Where the page sends a reviewer next is a path on this site, however a browser would read it."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.review.web.conftest import PASSWORD, Site, csrf_token, log_in

# Browsers read a backslash as a slash and drop tabs and newlines: each of these leaves the site.
ELSEWHERE = [
    "/\\evil.example/",
    "/\\/evil.example/",
    "/\t/evil.example/",
    "/\n/evil.example",
    "\\\\evil.example",
]


@pytest.mark.parametrize("target", ELSEWHERE)
def test_a_login_link_to_somewhere_a_browser_reads_as_another_site_lands_on_the_overview(
    site: Site, target: str
) -> None:
    client = site.app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"username": "manager", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/overview"


@pytest.mark.parametrize("target", ELSEWHERE)
def test_the_way_back_after_a_tag_correction_stays_on_the_site(
    client: FlaskClient, site: Site, target: str
) -> None:
    token = log_in(client)
    contact = next(c for c in site.store.contacts() if c["subject"].startswith("Broken mugs"))
    form = {"csrf_token": token, "tag": ["payment:partial"], "severity": "low", "back": target}
    assert client.post(f"/contacts/{contact['id']}/retag", data=form).headers["Location"] == "/"


def test_a_path_on_the_site_is_where_the_login_goes(site: Site) -> None:
    client = site.app.test_client()
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login",
        query_string={"next": "/?kind=ack"},
        data={"username": "manager", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/?kind=ack"
