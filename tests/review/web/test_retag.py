"""A reviewer corrects a message's tags: on SQLite and PostgreSQL, through the store, the CLI and the page."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from mailflow.cli.main import main
from mailflow.drafts.store import Outbox
from mailflow.inbound.classify.training import correction_example
from mailflow.ops.daemon import Drafter
from mailflow.review.retag import RetagRefused, latest_corrections, retag
from mailflow.store.models import Case, TagCorrection
from tests.review.web.conftest import Site, log_in


def _complaint(site: Site, subject_start: str) -> dict[str, Any]:
    return next(c for c in site.store.contacts() if c["subject"].startswith(subject_start))


def test_a_message_that_was_no_complaint_withdraws_its_case_and_cancels_its_acknowledgement(
    site: Site,
) -> None:
    contact = _complaint(site, "Broken mugs")
    done = retag(site.store, contact["id"], ["payment:paid"], "low", "manager")
    assert done.case_withdrawn is not None and done.drafts_cancelled == 1
    (cancelled,) = Outbox(site.store).drafts("cancelled")
    assert cancelled["subject"].startswith("Re: Broken mugs")
    with site.store.sessions() as session:
        case = session.get(Case, done.case_withdrawn)
        assert case is not None and case.status == "withdrawn"
        (correction,) = session.scalars(select(TagCorrection)).all()
        assert correction.actor == "manager" and correction.new_tags[0] == "payment:paid"
        assert any(tag.startswith("complaint:") for tag in correction.old_tags)
    after = _complaint(site, "Broken mugs")
    assert "payment:paid" in after["tags"] and not any(t.startswith("complaint:") for t in after["tags"])
    assert Drafter(site.settings, site.store).run() == 0  # no acknowledgement comes back


def test_a_message_corrected_into_a_complaint_opens_a_case_and_gets_its_acknowledgement(site: Site) -> None:
    contact = _complaint(site, "Broken mugs")
    retag(site.store, contact["id"], [], "low", "manager")
    done = retag(site.store, contact["id"], ["complaint:shipping"], "high", "manager")
    assert done.case_opened is not None
    assert Drafter(site.settings, site.store).run() == 1
    with site.store.sessions() as session:
        case = session.get(Case, done.case_opened)
        assert case is not None and (case.status, case.categories, case.severity) == (
            "open", ["complaint:shipping"], "high",
        )  # fmt: skip
    # Both corrections are kept; training takes the message as last corrected.
    ((subject, text, tags, severity),) = latest_corrections(site.store)
    assert subject.startswith("Broken mugs") and "complaint:shipping" in tags and severity == "high"
    example = correction_example(subject, text, tags, severity)
    assert {"complaint", "complaint:shipping", "severity:high"} <= example.outputs


def test_a_wrong_correction_is_refused_and_changes_nothing(site: Site) -> None:
    contact = _complaint(site, "Broken mugs")
    for tags, severity in ((["complaint:price"], "medium"), (["payment:paid"], "high"), ([], "urgent")):
        with pytest.raises(RetagRefused):
            retag(site.store, contact["id"], tags, severity, "manager")
    with pytest.raises(RetagRefused, match="no message"):
        retag(site.store, 10**6, [], "low", "manager")
    assert _complaint(site, "Broken mugs")["tags"] == contact["tags"]
    with site.store.sessions() as session:
        assert session.scalars(select(TagCorrection)).all() == []


def test_the_cli_corrects_tags(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    contact = _complaint(site, "Broken mugs")
    code = main(["--config", str(site.path), "contacts", "retag", str(contact["id"]), "--tags", ""])
    out = capsys.readouterr().out
    assert code == 0 and "withdrawn; 1 waiting draft(s) cancelled" in out
    assert (
        main(["--config", str(site.path), "contacts", "retag", str(contact["id"]), "--tags", "nonsense"]) == 1
    )
    assert "unknown tag 'nonsense'" in capsys.readouterr().err


def test_the_page_corrects_tags_and_the_timeline_shows_who_did(site: Site, client: FlaskClient) -> None:
    token = log_in(client)
    contact = _complaint(site, "Broken mugs")
    (draft,) = [
        d for d in Outbox(site.store).drafts("pending_review") if d["subject"].startswith("Re: Broken")
    ]
    back = f"/drafts/{draft['id']}"
    page = client.get(back).get_data(as_text=True)
    assert f'action="/contacts/{contact["id"]}/retag"' in page
    form = {"csrf_token": token, "tag": ["payment:partial"], "severity": "low", "back": back}
    response = client.post(f"/contacts/{contact['id']}/retag", data=form)
    assert response.status_code == 302 and response.headers["Location"] == back
    page = client.get(back).get_data(as_text=True)
    assert "tags corrected by manager" in page and "withdrawn" in page
    customer = client.get(f"/customers/{draft['customer_id']}").get_data(as_text=True)
    assert "tags corrected by manager" in customer and "payment:partial" in customer
    # No CSRF token, no change; an outside address to go back to is not followed.
    assert client.post(f"/contacts/{contact['id']}/retag", data={"tag": []}).status_code == 400
    form = {"csrf_token": token, "tag": [], "severity": "low", "back": "//evil.example/"}
    assert client.post(f"/contacts/{contact['id']}/retag", data=form).headers["Location"] == "/"
