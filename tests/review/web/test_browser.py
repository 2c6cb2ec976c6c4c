"""End to end in a real headless Chromium: log in, open a Chinese complaint, edit, approve, see it sent;
correct another message's tags and see its acknowledgement withdrawn.

Needs Debian's chromium and chromium-driver (`make test` installs them);
MAILFLOW_SKIP_CHROMIUM=1 opts out explicitly. The queue's screenshot is kept
in test-artifacts/review-queue.png (and the draft page's beside it).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from selenium import webdriver
from selenium.webdriver.common.by import By
from sqlalchemy import update
from waitress import create_server

from mailflow.config import settings as config
from mailflow.demo.embedded import free_port
from mailflow.drafts.store import Outbox
from mailflow.inbound.ingest import Ingest
from mailflow.ledger.sheet_records import CustomerRecord, InvoiceRecord
from mailflow.ledger.store import Ledger
from mailflow.ops.daemon import Drafter
from mailflow.outbound.sender import Sender
from mailflow.review.accounts import Accounts
from mailflow.review.web.app import create_app
from mailflow.schedule.tick import Scheduler
from mailflow.store.engine import Store
from mailflow.store.models import Invoice
from tests.review.web.browser import ARTIFACTS, log_in, shows, start_chromium
from tests.review.web.conftest import PASSWORD
from tests.review.web.mail import chinese_complaint, hostile_complaint
from tests.support.mail import buyer_mail
from tests.support.memory_source import MemorySource
from tests.support.settings import write_settings
from tests.support.smtp_sink import running_sink

EDIT = "我们的质检经理王工今天下午会给您回电。"


@pytest.fixture
def chromium() -> Iterator[webdriver.Chrome]:
    browser = start_chromium()
    yield browser
    browser.quit()


def test_a_reviewer_edits_and_approves_a_chinese_complaint_reply_in_chromium(
    tmp_path: Path, db_url: str, chromium: webdriver.Chrome
) -> None:
    with running_sink() as (handler, smtp_port):
        smtp = f'\n[mailbox.smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\nsave_sent = false\n'
        settings = config.load(write_settings(tmp_path, db_url, 1, "u", "p", extra=smtp))
        store = Store(settings.database_url)
        store.create_schema()
        messages = [chinese_complaint(), hostile_complaint()]
        Ingest(settings, store).sync_folder(MemorySource(messages), settings.mailboxes[0], "INBOX")
        assert Drafter(settings, store).run() == 2
        Accounts(store).add("manager", PASSWORD, "zh")
        port = free_port()
        server = create_server(create_app(settings, store), host="127.0.0.1", port=port, threads=2)
        serving = threading.Thread(target=server.run, daemon=True)
        serving.start()
        try:
            base = f"http://127.0.0.1:{port}"
            chromium.get(f"{base}/")
            assert "/login" in chromium.current_url  # nothing without a login
            chromium.find_element(By.NAME, "username").send_keys("manager")
            chromium.find_element(By.NAME, "password").send_keys(PASSWORD)
            chromium.find_element(By.ID, "login").click()
            shows(chromium, "待审核草稿")  # the queue, in the reviewer's language
            ARTIFACTS.mkdir(exist_ok=True)
            assert chromium.save_screenshot(str(ARTIFACTS / "review-queue.png"))
            chromium.find_element(By.PARTIAL_LINK_TEXT, "货物破损投诉").click()
            shows(chromium, "买家来信")
            assert "这批杯子有很多开裂" in chromium.find_element(By.ID, "buyer-text").text
            assert chromium.save_screenshot(str(ARTIFACTS / "review-draft.png"))
            body = chromium.find_element(By.NAME, "body")
            body.send_keys(f"\n{EDIT}")
            chromium.find_element(By.ID, "approve").click()
            shows(chromium, "已批准")  # the decision, said in the reviewer's language
            # The other complaint was no complaint after all: the reviewer corrects its tags.
            chromium.find_element(By.PARTIAL_LINK_TEXT, "Broken mugs").click()
            shows(chromium, "更正标签")
            chromium.find_element(By.CSS_SELECTOR, "#retag summary").click()
            for box in chromium.find_elements(By.CSS_SELECTOR, "#retag input[name=tag]"):
                if box.is_selected() != (box.get_attribute("value") == "payment:paid"):
                    box.click()
            chromium.find_element(By.ID, "retag-save").click()
            shows(chromium, "已撤销")  # case withdrawn, its waiting acknowledgement cancelled
            shows(chromium, "manager 更正了标签")
        finally:
            server.close()
        (cancelled,) = Outbox(store).drafts("cancelled")
        assert cancelled["subject"].startswith("Re: Broken mugs")
        (draft,) = Outbox(store).drafts("approved")
        assert EDIT in draft["body"]
        assert Sender(settings, store).run_until_empty() == {"sent": 1}
        (raw,) = handler.received
        sent = message_from_bytes(raw, policy=policy.default)
        assert isinstance(sent, EmailMessage)
        assert (
            sent["To"] == "lihua@huamei-home.example" and sent["Subject"] == "Re: 货物破损投诉 订单PO20261102"
        )
        assert EDIT in sent.get_content()
        store.close()


def test_a_reminder_shows_what_the_buyer_wrote_and_is_not_approved_once_its_invoice_is_held(
    tmp_path: Path, db_url: str, chromium: webdriver.Chrome
) -> None:
    path = write_settings(tmp_path, db_url, 1, "u", "p")
    path.write_text(path.read_text() + "\n[schedule.updates]\nenabled = false\n")
    settings = config.load(path)
    store = Store(settings.database_url)
    ledger = Ledger(store)
    buyer = "maria@harbor-imports.example"
    ledger.import_customers(
        [CustomerRecord(buyer, "Maria", "", "ES", "en", "Europe/Madrid", "", None, False)]
    )
    ledger.import_invoices(
        "i.csv",
        [InvoiceRecord(2, "INV-7", buyer, Decimal("1000"), "EUR", date(2026, 11, 10), date(2026, 12, 10),
                       Decimal("0"), None, "")],
    )  # fmt: skip
    madrid = ZoneInfo("Europe/Madrid")
    with time_machine.travel(datetime(2026, 12, 1, 9, tzinfo=madrid), tick=False):
        raw = buyer_mail(
            "INV-7", "We paid half of invoice INV-7 today.", buyer, "<half@harbor-imports.example>"
        )
        Ingest(settings, store).sync_folder(MemorySource([raw]), settings.mailboxes[0], "INBOX")
    ledger.record_payment("INV-7", Decimal("500"), date(2026, 12, 2), "rep")  # checked: the hold is cleared
    with time_machine.travel(datetime(2026, 12, 3, 11, tzinfo=madrid), tick=False):
        assert Scheduler(settings, store).tick().drafted == 1  # the reminder for the other half
    (reminder,) = Outbox(store).drafts("pending_review")
    Accounts(store).add("manager", PASSWORD)
    port = free_port()
    server = create_server(create_app(settings, store), host="127.0.0.1", port=port, threads=2)
    threading.Thread(target=server.run, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{port}"
        log_in(chromium, base)  # lands on the overview
        chromium.get(f"{base}/drafts/{reminder['id']}")
        shows(chromium, "The buyer wrote on")
        wrote = chromium.find_element(By.ID, "buyer-wrote").text
        assert wrote.startswith("The buyer wrote on 2026-12-01 that") and "they paid part" in wrote
        assert "<half@harbor-imports.example>" in wrote
        # The buyer's "we have paid" lands while the tick drafts: the invoice is held, the draft waits.
        with store.sessions.begin() as session:
            session.execute(
                update(Invoice).values(
                    hold="the buyer says they paid <all@harbor-imports.example> on 2026-12-03"
                )
            )
        chromium.find_element(By.ID, "approve").click()
        shows(chromium, "not approved: invoice INV-7 is held")
        assert f"/drafts/{reminder['id']}" in chromium.current_url  # the reason beside the draft
        assert "This reminder cannot be approved now" in chromium.find_element(By.ID, "refusal").text
    finally:
        server.close()
    assert Outbox(store).drafts("pending_review") == [reminder]
    store.close()
