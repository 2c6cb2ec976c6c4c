"""Several `mailflow run` processes on one PostgreSQL database, against Dovecot and an SMTP server.

Three workers share four mailboxes holding 2,000 complaints. Halfway through,
the worker with the most mailboxes is killed with SIGKILL: its leases lapse,
the others take its mailboxes over, and in the end every message is logged
once and every acknowledgement reached the SMTP server once.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from collections import Counter
from email.parser import BytesHeaderParser
from pathlib import Path

from imapclient import IMAPClient
from sqlalchemy import create_engine, text

from mailflow.store.engine import Store
from tests.support.cli import run_mailflow
from tests.support.daemon import wait_for
from tests.support.dovecot import PASSWORD, Dovecot
from tests.support.mail import buyer_mail
from tests.support.smtp_sink import FilingHandler, running_sink

MAILBOXES, PER_MAILBOX = 4, 500


def _settings(folder: Path, database_url: str, imap_port: int, smtp_port: int, users: list[str]) -> Path:
    boxes = "".join(
        f'\n[[mailbox]]\nname = "box{index}"\naddress = "{user}"\n'
        f'[mailbox.imap]\nhost = "127.0.0.1"\nport = {imap_port}\nsecurity = "none"\npassword = "{PASSWORD}"\n'
        f'[mailbox.smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "none"\nsave_sent = false\n'
        for index, user in enumerate(users)
    )  # fmt: skip
    path = folder / "settings.toml"
    path.write_text(
        f'[database]\nurl = "{database_url}"\n[storage]\ndata_dir = "{folder / "data"}"\n'
        f'[templates]\ndir = "{Path(__file__).resolve().parents[2] / "mailflow" / "drafts" / "shipped_templates"}"\n'
        "[review]\nack = \"auto\"\n[replies]\nmax_per_sender_per_day = 3\n"
        "[fetch]\nbatch_size = 50\nnoop_seconds = 5\ntimeout_seconds = 5\nmax_backoff_seconds = 2\n"
        "lease_seconds = 3\nworkers = 0\n"
        "[send]\ninterval_seconds = 0.5\nclaim_timeout_seconds = 5\n"
        "[schedule]\nenabled = false\n" + boxes,
        encoding="utf-8",
    )  # fmt: skip
    store = Store(database_url)
    store.create_schema()
    store.close()
    return path


def _fill(imap_port: int, users: list[str]) -> None:
    for index, user in enumerate(users):
        client = IMAPClient("127.0.0.1", port=imap_port, ssl=False)
        client.login(user, PASSWORD)
        for number in range(PER_MAILBOX):
            client.append(
                "INBOX",
                buyer_mail(
                    f"Order {index}-{number}: cracked mugs",
                    "The mugs arrived cracked, please advise.",
                    sender=f"Buyer {number} <buyer{index}x{number}@harbor-imports.example>",
                    message_id=f"<complaint-{index}-{number}@harbor-imports.example>",
                    to=user,
                ),
            )
        client.logout()


def _worker(settings: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "mailflow", "--config", str(settings), "run"], stderr=stderr
        )


def test_three_workers_one_killed_halfway_log_every_message_once_and_send_every_reply_once(
    tmp_path: Path, postgres_url: str, dovecot: Dovecot
) -> None:
    users = [
        f"box{index}-{tmp_path.name[-12:]}@ningbo-homeware.example".lower() for index in range(MAILBOXES)
    ]
    total = MAILBOXES * PER_MAILBOX
    database = create_engine(postgres_url)

    def count(sql: str) -> int:
        with database.connect() as connection:
            return int(connection.execute(text(sql)).scalar_one())

    with running_sink(handler=FilingHandler(dovecot.port)) as (sink, smtp_port):
        settings = _settings(tmp_path, postgres_url, dovecot.port, smtp_port, users)
        # The team has been running mailflow: the complaints arrive while it watches, so each is answered.
        assert run_mailflow(settings, "run", "--once").returncode == 0
        _fill(dovecot.port, users)
        logs = [tmp_path / f"worker{index}.log" for index in range(3)]
        workers = [_worker(settings, log) for log in logs]
        try:
            wait_for(lambda: [True] if count("SELECT count(*) FROM contacts") >= total // 2 else [], 120)
            with database.connect() as connection:
                leases = [
                    tuple(row)
                    for row in connection.execute(text("SELECT mailbox, worker FROM mailbox_leases"))
                ]
            holders = Counter(worker.split(":")[1] for _, worker in leases if worker)
            victim_pid = int(holders.most_common(1)[0][0])
            orphaned = {
                mailbox for mailbox, worker in leases if worker and worker.split(":")[1] == str(victim_pid)
            }
            victim = next(worker for worker in workers if worker.pid == victim_pid)
            victim.send_signal(signal.SIGKILL)
            victim.wait(10)
            inbound = "SELECT count(*) FROM contacts WHERE direction = 'in'"
            wait_for(lambda: [True] if count(inbound) == total else [], 180)
            wait_for(
                lambda: [True] if count("SELECT count(*) FROM drafts WHERE status = 'sent'") == total else [],
                180,
            )
        finally:
            survivors = [worker for worker in workers if worker.returncode is None]
            for worker in survivors:
                worker.send_signal(signal.SIGTERM)
            codes = [worker.wait(20) for worker in survivors]
        assert codes == [0, 0], [log.read_text() for log in logs]
        assert count("SELECT count(DISTINCT message_id) FROM contacts WHERE direction = 'in'") == total
        assert count("SELECT count(*) FROM drafts") == total
        with database.connect() as connection:
            held = [row[0] for row in connection.execute(text("SELECT worker FROM mailbox_leases")) if row[0]]
        assert held == []  # the survivors gave theirs back when they stopped
        taken_over = "".join(
            log.read_text() for log, worker in zip(logs, workers, strict=True) if worker in survivors
        )
        assert all(f"{mailbox}: watching" in taken_over for mailbox in orphaned)
        parser = BytesHeaderParser()
        received = Counter(parser.parsebytes(raw)["Message-ID"] for raw in sink.received)
        assert len(received) == total and max(received.values()) == 1, received.most_common(3)
    database.dispose()
