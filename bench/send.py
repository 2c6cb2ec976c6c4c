"""Send throughput: mailflow's send loop against raw smtplib, same SMTP server, same run.

The SMTP server is aiosmtpd in its own process (so it does not share our GIL),
writing each accepted Message-ID to a file: that file proves every draft
arrived exactly once. Baseline: smtplib over one reused connection sending
the same messages, built before the clock starts. mailflow: 2,000 approved
drafts claimed, composed, sent and recorded (draft state, audit event and
outbound contact) by Sender.run_until_empty. Goal (issue #3): at least 0.8.

This machine's speed drifts by half within a minute, so each round times both
sides back to back, which one first alternating, and the figure is the median
of the rounds' own ratios. On PostgreSQL the new drafts are VACUUM ANALYZEd
before either side runs, so that autovacuum does not wake during one of them.

The main figure is with smtp.save_sent = false (the provider files the copy,
as Gmail and Microsoft 365 do), so both sides do the same SMTP work. With
--sent-copy, mailflow also APPENDs each message to Dovecot's Sent folder; that
figure is reported against a baseline that does the same APPENDs.
"""

from __future__ import annotations

import argparse
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import PASSWORD, Dovecot, write_settings
from imapclient import IMAPClient
from sqlalchemy import create_engine, text

from mailflow.config.settings import Settings, load
from mailflow.demo.embedded import free_port
from mailflow.drafts.headers import new_message_id
from mailflow.drafts.store import Outbox
from mailflow.outbound.claimed import ClaimedDraft
from mailflow.outbound.compose import outgoing_message
from mailflow.outbound.sender import Sender
from mailflow.store.engine import Store

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BODY = (
    "Dear {name},\n\nThank you for telling us about the damaged cartons in container CSQU3054383.\n"
    "We are sorry for the trouble. So that our inspection team can judge the damage, please send us:\n"
    "- photos of the cartons as delivered, showing the shipping marks;\n"
    "- photos of the container and its seal;\n- the delivery receipt with the damage noted.\n\n"
    "We will reply with a solution within two business days.\n\nBest regards\nNingbo Homeware Sales\n"
)
SINK = """
import sys
from email.parser import BytesHeaderParser
from aiosmtpd.controller import Controller

class Handler:
    def __init__(self, log):
        self.log = log
    async def handle_DATA(self, server, session, envelope):
        headers = BytesHeaderParser().parsebytes(envelope.content)  # folded or not
        self.log.write(" ".join(str(headers["Message-ID"]).split()) + "\\n")
        return "250 OK"

with open(sys.argv[2], "a", buffering=1) as log:
    controller = Controller(Handler(log), hostname="127.0.0.1", port=int(sys.argv[1]))
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()
"""


def fresh_schema(name: str) -> str:
    schema = _schema(name)
    _admin(f"DROP SCHEMA IF EXISTS {schema} CASCADE", f"CREATE SCHEMA {schema}")
    return f"{POSTGRES}?options=-csearch_path%3D{schema}"


def drop_schema(name: str) -> None:
    _admin(f"DROP SCHEMA IF EXISTS {_schema(name)} CASCADE")


def _schema(name: str) -> str:
    return "bench_" + "".join(c for c in name if c.isalnum()).lower()


def _admin(*statements: str) -> None:
    engine = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")  # VACUUM cannot run in a transaction
    with engine.connect() as connection:
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


def start_sink(port: int, log: Path) -> subprocess.Popen[str]:
    sink = subprocess.Popen(
        [sys.executable, "-c", SINK, str(port), str(log)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sink.stdout is not None and sink.stdout.readline().strip() == "ready"
    return sink


def settings_for(workdir: Path, server: Dovecot, smtp_port: int, sent_copy: bool, database: str) -> Settings:
    smtp = (
        f'\n[mailbox.smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\n'
        f"save_sent = {'true' if sent_copy else 'false'}\n"
    )
    # A fresh IMAP account per round: a Sent folder grown by earlier rounds would slow APPEND.
    user = f"bench-{workdir.name.lower()}@ningbo-homeware.example"
    path = write_settings(workdir, database, server.port, user, PASSWORD, extra=smtp)
    return load(path)


def approved_drafts(settings: Settings, count: int) -> Store:
    store = Store(settings.database_url)
    store.create_schema()
    outbox = Outbox(store)
    mailbox = settings.mailboxes[0]
    for index in range(count):
        buyer = f"buyer{index}@importer{index % 300}.example"
        subject = f"Re: 货物破损投诉 订单PO{index}" if index % 5 == 0 else f"Re: Crushed cartons, PO {index}"
        row = {
            "kind": "ack",
            "status": "approved",
            "policy": "required",
            "mailbox": mailbox.name,
            "from_addr": f"Ningbo Homeware Sales <{mailbox.address}>",
            "recipient": buyer,
            "to_addrs": [buyer],
            "subject": subject,
            "text": BODY.format(name=f"Buyer {index}"),
            "html": None,
            "in_reply_to": f"{index}.original@importer.example",
            "thread_refs": [f"{index}.original@importer.example"],
            "message_id": new_message_id(mailbox),
            "idempotency_key": f"bench:{index}",
            "template": "ack.shipping.en",
            "template_inputs": {},
        }
        assert outbox.create_draft(row)
    return store


def _claimed(draft: dict[str, Any]) -> ClaimedDraft:
    """A draft as the review commands list it, as the claim would hand it to the sender."""
    return ClaimedDraft(
        id=draft["id"], kind=draft["kind"], policy=draft["policy"], mailbox=draft["mailbox"],
        customer_id=None, case_id=draft["case"], from_addr=draft["from"], to=tuple(draft["to"]),
        subject=draft["subject"], body=draft["body"], html=draft["html"], message_id=draft["message_id"],
        in_reply_to=draft["in_reply_to"], references=tuple(draft["references"]), attempts=draft["attempts"],
        failure=draft["failure"], scheduled_for=None,
    )  # fmt: skip


def raw_send(messages: list[bytes], smtp_port: int, server: Dovecot | None, user: str) -> float:
    imap = None
    if server is not None:
        imap = IMAPClient(server.host, port=server.port, ssl=False)
        imap.login(user, PASSWORD)
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
        for raw in messages:
            smtp.sendmail(user, ["buyer@importer.example"], raw)
            if imap is not None:
                imap.append("Gesendet", raw)
    elapsed = time.perf_counter() - started
    if imap is not None:
        imap.logout()
    return elapsed


def settle(name: str) -> None:
    """VACUUM ANALYZE the new drafts: autovacuum would otherwise wake in the middle of either side."""
    _admin(f"VACUUM ANALYZE {_schema(name)}.drafts")


def one_round(
    args: argparse.Namespace, server: Dovecot, workdir: Path, ours_first: bool
) -> tuple[float, float, int]:
    smtp_port = free_port()
    log = workdir / "received.log"
    sink = start_sink(smtp_port, log)
    try:
        database = fresh_schema(workdir.name) if args.postgres else f"sqlite:///{workdir / 'bench.db'}"
        settings = settings_for(workdir, server, smtp_port, args.sent_copy, database)
        store = approved_drafts(settings, args.drafts)
        if args.postgres:
            settle(workdir.name)
        now = datetime.now(UTC)
        prebuilt = [outgoing_message(_claimed(draft), now).raw for draft in Outbox(store).drafts("approved")]
        user = settings.mailboxes[0].imap.username
        if not ours_first:
            raw_seconds = raw_send(prebuilt, smtp_port, server if args.sent_copy else None, user)
        started = time.perf_counter()
        report = Sender(settings, store).run_until_empty()
        our_seconds = time.perf_counter() - started
        assert report == {"sent": args.drafts}, report
        if ours_first:
            raw_seconds = raw_send(prebuilt, smtp_port, server if args.sent_copy else None, user)
        store.close()
    finally:
        assert sink.stdin is not None
        sink.stdin.close()
        sink.wait(10)
        if args.postgres:
            drop_schema(workdir.name)
    lines = log.read_text().splitlines()
    assert len(lines) >= 2 * args.drafts, f"the server logged {len(lines)} messages"
    ours = lines[: len(lines) - args.drafts] if ours_first else lines[args.drafts :]  # raw sent exactly N
    duplicates = len(ours) - len(set(ours))
    assert len(set(ours)) == args.drafts, f"{len(set(ours))} of {args.drafts} arrived"
    return raw_seconds, our_seconds, duplicates


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--drafts", type=int, default=2000)
    parser.add_argument(
        "--rounds", type=int, default=5, help="which side goes first alternates; medians compared"
    )
    parser.add_argument(
        "--sent-copy", action="store_true", help="also APPEND each message to Sent (both sides)"
    )
    parser.add_argument(
        "--postgres", action="store_true", help=f"a fresh schema per round at {POSTGRES} (default: SQLite)"
    )
    args = parser.parse_args()
    server = Dovecot().start()
    try:
        raw_times, our_times, duplicates = [], [], 0
        for number in range(args.rounds):
            with tempfile.TemporaryDirectory() as workdir:
                raw, ours, dupes = one_round(args, server, Path(workdir), ours_first=number % 2 == 1)
            raw_times.append(raw)
            our_times.append(ours)
            duplicates += dupes
        raw_seconds, our_seconds = statistics.median(raw_times), statistics.median(our_times)
        what = "with a Sent copy (APPEND to Dovecot)" if args.sent_copy else "save_sent = false"
        database = "PostgreSQL" if args.postgres else "SQLite"
        print(f"drafts: {args.drafts}, rounds: {args.rounds} (medians), {what}, {database}")
        print(
            f"raw smtplib, one connection: {raw_seconds:.2f} s ({args.drafts / raw_seconds:.0f} msg/s)"
            f"  rounds: {', '.join(f'{t:.2f}' for t in raw_times)}"
        )
        print(
            f"mailflow send loop: {our_seconds:.2f} s ({args.drafts / our_seconds:.0f} msg/s)"
            f"  rounds: {', '.join(f'{t:.2f}' for t in our_times)}"
        )
        print(f"duplicates at the server: {duplicates}")
        ratios = [raw / ours for raw, ours in zip(raw_times, our_times, strict=True)]
        print(
            f"ratio (mailflow / raw throughput), median of the rounds' own: {statistics.median(ratios):.2f}"
            f"  (goal >= 0.8)  rounds: {', '.join(f'{r:.2f}' for r in ratios)}"
        )
        print(f"ratio of the medians: {raw_seconds / our_seconds:.2f}")
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
