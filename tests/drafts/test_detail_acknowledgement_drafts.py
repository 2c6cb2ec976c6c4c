"""Issue #18 (5, 7): a complaint gets the acknowledgement for its kind, with its references in the
buyer's language, from the recorded message to the draft, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
import time_machine

from mailflow.config.settings import Settings
from mailflow.drafts.store import Outbox
from mailflow.inbound.ingest import Ingest
from mailflow.ops.daemon import Drafter
from mailflow.store.engine import Store
from tests.support.memory_source import MemorySource
from tests.support.settings import load_settings, write_settings

FRIDAY = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


@pytest.fixture
def site(tmp_path: Path, db_url: str) -> Iterator[tuple[Settings, Store]]:
    settings = load_settings(write_settings(tmp_path, db_url, 1, "u", "p"))
    store = Store(settings.database_url)
    store.create_schema()
    with time_machine.travel(FRIDAY, tick=False):
        yield settings, store
    store.close()


def _draft_for(site: tuple[Settings, Store], subject: str, body: str, sender: str) -> dict[str, object]:
    settings, store = site
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "sales@ningbo-homeware.example", subject
    msg["Message-ID"], msg["Date"] = "<d1@buyer.example>", format_datetime(datetime.now(UTC))
    msg.set_content(body)
    Ingest(settings, store).sync_folder(MemorySource([msg.as_bytes()]), settings.mailboxes[0], "INBOX")
    assert Drafter(settings, store).run() == 1
    (draft,) = Outbox(store).drafts()
    return draft


def test_a_late_shipment_gets_a_tracking_update_by_a_date_not_a_request_for_photos_of_damage(
    site: tuple[Settings, Store],
) -> None:
    draft = _draft_for(
        site,
        "Late shipment PO 4500789",
        "The vessel was supposed to leave Ningbo on 20 November and the goods have still not been shipped.",
        "Maria Lopez <maria@harbor-imports.example>",
    )
    assert draft["template"] == "ack.shipping.delay.en"
    assert "detail:delay" in draft["tags"]
    body = str(draft["body"])
    assert "(PO 4500789)" in body
    # Two business days after Friday 4 December: Tuesday 8 December.
    assert "By 2026-12-08 at the latest we will send you a tracking update" in body
    assert "damage" not in body and "photo" not in body


def test_a_chinese_order_number_is_found_and_written_in_chinese(site: tuple[Settings, Store]) -> None:
    draft = _draft_for(
        site, "到货问题", "订单PO20261215的货物至今未发，已经延误两周了。", "李华 <lihua@huamei-home.example>"
    )
    assert draft["template"] == "ack.shipping.delay.zh"
    assert "（订单号 PO20261215）" in str(draft["body"])


def test_a_spanish_contract_is_written_in_spanish(site: tuple[Settings, Store]) -> None:
    draft = _draft_for(
        site,
        "Contrato HT-2026-088",
        "Los platos del contrato HT-2026-088 son de mala calidad: el color es distinto de la muestra aprobada.",
        "Carlos Ruiz <carlos@casa-ruiz.example>",
    )
    assert draft["template"] == "ack.quality.spec.es"
    body = str(draft["body"])
    assert "(contrato HT-2026-088)" in body and "CONTRACT" not in body
    assert "muestra aprobada" in body
