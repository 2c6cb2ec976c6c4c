"""An id no database row can have (beyond 64 bits, or not a number) is not found, never a server error."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from mailflow.drafts.store import Outbox
from tests.review.web.conftest import Site, log_in

TOO_BIG = ["99999999999999999999999", str(2**63), str(2**64)]


@pytest.mark.parametrize("number", TOO_BIG)
def test_an_id_beyond_64_bits_in_a_url_is_not_found(client: FlaskClient, number: str) -> None:
    token = log_in(client)
    for path in (f"/drafts/{number}", f"/customers/{number}", f"/attachments/{number}"):
        assert client.get(path).status_code == 404, path
    posts = {
        f"/drafts/{number}/approve": {},
        f"/drafts/{number}/reject": {"reason": "no"},
        f"/customers/{number}/contacts": {"kind": "call", "text": "called"},
        f"/contacts/{number}/retag": {"tag": ["payment:paid"], "severity": "low"},
    }
    for path, form in posts.items():
        assert client.post(path, data={**form, "csrf_token": token}).status_code == 404, path


def test_the_largest_64_bit_id_is_looked_up_and_not_found(client: FlaskClient) -> None:
    log_in(client)
    assert client.get(f"/drafts/{2**63 - 1}").status_code == 404


@pytest.mark.parametrize("forged", [*TOO_BIG, "²", "١", "-1", "1.0", ""])
def test_a_batch_holding_an_id_out_of_range_is_refused_whole(
    client: FlaskClient, site: Site, forged: str
) -> None:
    token = log_in(client)
    real = [str(d["id"]) for d in Outbox(site.store).drafts("pending_review")]
    response = client.post("/approve-batch", data={"draft": [*real, forged], "csrf_token": token})
    assert response.status_code == 404
    assert Outbox(site.store).drafts("approved") == []
