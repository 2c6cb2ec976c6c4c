"""The CLI contract scripts rely on: JSON shapes, exit codes, quarantine retry."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from mailflow.config.rules import default_ruleset
from mailflow.inbound.pipeline import Failed, process
from mailflow.inbound.recording import record_batch
from mailflow.store.engine import Store
from tests.support.cli import run_mailflow
from tests.support.mail import buyer_mail
from tests.support.settings import write_settings

CONTACT_KEYS = {
    "id", "direction", "customer", "mailbox", "message_id", "in_reply_to", "subject", "at", "tags",
    "severity", "language", "references",
}  # fmt: skip
QUARANTINE_KEYS = {"id", "mailbox", "folder", "uid", "reason", "at"}


@pytest.fixture
def settings_path(tmp_path: Path, db_url: str) -> Path:
    path = write_settings(tmp_path, db_url, 1, "u", "p")
    store = Store(db_url)
    store.create_schema()
    rules, own = replace(default_ruleset(), model="off"), frozenset({"sales@ningbo-homeware.example"})
    complaint = buyer_mail(
        "Crushed cartons, PO 4500123", "Container CSQU3054383: 14 cartons crushed.", message_id="<c@x>"
    )
    fixed_later = buyer_mail("Re: payment", "We have paid invoice INV-2041.", message_id="<q@x>")
    record_batch(store, "sales", "INBOX", 1, [process(1, complaint, rules, own)], {}, 1)
    record_batch(store, "sales", "INBOX", 1, [Failed(2, fixed_later, "RuntimeError: simulated")], {}, 2)
    store.close()
    return path


def test_contacts_list_json_has_the_documented_fields(settings_path: Path) -> None:
    done = run_mailflow(settings_path, "contacts", "list", "--json")
    assert done.returncode == 0, done.stderr
    (contact,) = json.loads(done.stdout)
    assert set(contact) >= CONTACT_KEYS
    assert contact["direction"] == "in" and contact["customer"] == "maria@harbor-imports.example"
    assert contact["tags"] == ["complaint:shipping", "detail:damage"] and contact["severity"] == "medium"
    assert {"kind": "po", "value": "4500123"} in contact["references"]
    assert contact["at"].endswith("+00:00")


def test_contacts_list_filters_by_customer_and_prints_a_table_without_json(settings_path: Path) -> None:
    assert (
        json.loads(
            run_mailflow(settings_path, "contacts", "list", "--customer", "nobody@x.example", "--json").stdout
        )
        == []
    )
    table = run_mailflow(settings_path, "contacts", "list").stdout
    assert "Crushed cartons" in table and "complaint:shipping" in table


def test_quarantine_list_and_retry(settings_path: Path) -> None:
    (entry,) = json.loads(run_mailflow(settings_path, "quarantine", "list", "--json").stdout)
    assert set(entry) >= QUARANTINE_KEYS and entry["reason"] == "RuntimeError: simulated"
    retried = run_mailflow(settings_path, "quarantine", "retry", str(entry["id"]))
    assert retried.returncode == 0, retried.stderr
    assert json.loads(run_mailflow(settings_path, "quarantine", "list", "--json").stdout) == []
    tags = [c["tags"] for c in json.loads(run_mailflow(settings_path, "contacts", "list", "--json").stdout)]
    assert ["payment:paid"] in tags
    assert run_mailflow(settings_path, "quarantine", "retry", "999").returncode == 1


def test_a_bad_setting_is_one_line_and_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('[database]\nurl = "sqlite:///x.db"\nulr = "typo"\n')
    done = run_mailflow(path, "contacts", "list")
    assert done.returncode == 2
    assert done.stderr.strip() == "mailflow: configuration error: database.ulr: unknown key"
