"""`[log] format = "json"`: what a log collector reads from a real run against Dovecot."""

from __future__ import annotations

import json
from pathlib import Path

from imapclient import IMAPClient

from tests.support.cli import run_mailflow
from tests.support.dovecot import PASSWORD, Dovecot
from tests.support.mail import buyer_mail
from tests.support.settings import write_settings


def test_json_lines_lead_with_the_message_id_and_never_hold_the_password_or_body(
    tmp_path: Path, dovecot: Dovecot, imap_user: str, imap_client: IMAPClient, db_url: str
) -> None:
    body = "The mugs arrived cracked, 40 of 600 pieces. Private detail 7f3c."
    imap_client.append("INBOX", buyer_mail(body=body, message_id="<json-log-1@harbor-imports.example>"))
    path = write_settings(
        tmp_path, db_url, dovecot.port, imap_user, "env:MAILFLOW_TEST_IMAP_PASSWORD",
        extra='\n[log]\nformat = "json"\n',
    )  # fmt: skip
    done = run_mailflow(path, "-v", "run", "--once", env={"MAILFLOW_TEST_IMAP_PASSWORD": PASSWORD})
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stderr.splitlines()]  # every line is one object
    tagged = [r for r in records if r.get("message_id") == "json-log-1@harbor-imports.example"]
    assert tagged and tagged[0]["customer"] == "maria@harbor-imports.example", records
    assert any("1 fetched" in r["message"] for r in records)  # the run's summary is a log line too
    assert PASSWORD not in done.stderr  # -v logs imapclient's commands, LOGIN included
    assert "7f3c" not in done.stderr
