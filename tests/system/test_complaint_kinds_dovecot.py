"""Issue #18 (5, 7) end to end: complaints in Dovecot -> `mailflow run --once` -> the drafts' text.

A late shipment is not thanked for "the damage in transport" nor asked for photos of cartons; a
Chinese order number written as 订单PO20261215 is found and written the Chinese way.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from imapclient import IMAPClient

from mailflow.ledger.business_hours import Place, add_business_days
from tests.support.cli import run_mailflow
from tests.support.dovecot import PASSWORD, Dovecot
from tests.support.mail import buyer_mail
from tests.support.settings import write_settings


def _two_business_days_on() -> str:
    return add_business_days(datetime.now(UTC), 2, Place("UTC", "")).date().isoformat()


def test_each_complaint_gets_the_acknowledgement_of_its_kind_with_its_references_in_its_language(
    tmp_path: Path, db_url: str, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient
) -> None:
    path = write_settings(tmp_path, db_url, dovecot.port, imap_user, PASSWORD)
    assert run_mailflow(path, "run", "--once").returncode == 0  # the first sync: what is there is history
    late = "The vessel was supposed to leave on 20 November, and the goods have still not been shipped."
    imap_client.append("INBOX", buyer_mail("Late shipment, PO 4500789", late))
    chinese = "订单PO20261215的货物至今未发，已经延误两周了。"
    imap_client.append("INBOX", buyer_mail("发货延误", chinese, "李华 <lihua@huamei-home.example>"))
    crushed = "We received the container today: 14 cartons arrived crushed and wet."
    imap_client.append("INBOX", buyer_mail("Damaged cartons", crushed, "Tom <tom@baltic-trade.example>"))
    earliest = _two_business_days_on()

    done = run_mailflow(path, "run", "--once")
    assert done.returncode == 0, done.stderr
    listed = run_mailflow(path, "drafts", "list", "--json")
    drafts = {draft["to"][0]: draft for draft in json.loads(listed.stdout)}
    assert len(drafts) == 3, listed.stdout

    delay = drafts["maria@harbor-imports.example"]
    assert "detail:delay" in delay["tags"]
    assert "Thank you for your message about the shipment (PO 4500789)." in delay["body"]
    assert any(
        f"By {day} at the latest we will send you a tracking update" in delay["body"]
        for day in {earliest, _two_business_days_on()}
    )
    assert "damage" not in delay["body"] and "photo" not in delay["body"]

    assert "感谢您就货物到货时间来信（订单号 PO20261215）。" in drafts["lihua@huamei-home.example"]["body"]

    damage = drafts["tom@baltic-trade.example"]["body"]
    assert "Thank you for telling us about the damage in transport." in damage
    assert "the container, its doors and its seal" in damage
