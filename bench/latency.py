"""Pickup latency: a complaint APPENDed while `mailflow run` idles, until it is in the contact
log, and until its acknowledgement draft is in the database.

Median over 20 messages, each from another buyer (the per-sender daily limit
would stop the drafts). Dovecot itself waits about 0.5 s before telling an
idling client about new mail. Goals: median within 1.0 s to the contact log
(issue #2), within 1.5 s to the draft with the tagging model on (issue #16).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from common import PASSWORD, Dovecot, write_settings
from imapclient import IMAPClient
from sqlalchemy import create_engine, text

from mailflow.store.engine import Store
from tests.support.mail import buyer_mail

USER = "latency@ningbo-homeware.example"
COUNT = 20


LOGGED = "SELECT 1 FROM contacts WHERE message_id = :m"
DRAFTED = (
    "SELECT 1 FROM drafts JOIN contacts ON drafts.contact_id = contacts.id "
    "WHERE contacts.message_id = :m AND drafts.kind = 'ack'"
)


def wait_for(engine, message_id: str, timeout: float = 10.0, query: str = LOGGED) -> float:  # type: ignore[no-untyped-def]
    deadline = time.perf_counter() + timeout
    with engine.connect() as connection:
        while time.perf_counter() < deadline:
            found = connection.execute(text(query), {"m": message_id}).first()
            if found:
                return time.perf_counter()
            connection.rollback()
            time.sleep(0.005)
    raise TimeoutError(message_id)


def main() -> None:
    server = Dovecot().start()
    workdir = Path(tempfile.mkdtemp(prefix="mailflow-latency-"))
    daemon = None
    try:
        url = f"sqlite:///{workdir / 'latency.db'}"
        path = write_settings(workdir, url, server.port, USER, PASSWORD, fetch={"noop_seconds": 60})
        Store(url).create_schema()
        client = IMAPClient(server.host, port=server.port, ssl=False)
        client.login(USER, PASSWORD)
        client.append("INBOX", buyer_mail(message_id="<warm-up@x>"))
        daemon = subprocess.Popen(
            [sys.executable, "-m", "mailflow", "--config", str(path), "run"], stderr=subprocess.DEVNULL
        )
        engine = create_engine(url)
        wait_for(engine, "warm-up@x", timeout=30)
        time.sleep(1.0)  # let the watcher settle into IDLE
        logged, drafted = [], []
        for index in range(COUNT):
            message_id = f"latency-{index}@x"
            sender = f"Buyer {index} <buyer{index}@importer-{index}.example>"
            started = time.perf_counter()
            # Dated now, as real mail is: new buyer mail gets the model's thorough tier.
            dated = f"Date: {format_datetime(datetime.now(UTC))}\n".encode()
            client.append("INBOX", dated + buyer_mail(message_id=f"<{message_id}>", sender=sender))
            logged.append(wait_for(engine, message_id) - started)
            drafted.append(wait_for(engine, message_id, query=DRAFTED) - started)
            time.sleep(0.3)
        client.logout()
        engine.dispose()
        print(f"messages: {COUNT}")
        for name, latencies, goal in (("contact log", logged, 1.0), ("ack draft", drafted, 1.5)):
            print(
                f"{name:12s} median: {statistics.median(latencies):.3f} s   "
                f"p90: {sorted(latencies)[int(COUNT * 0.9) - 1]:.3f} s   "
                f"max: {max(latencies):.3f} s  (goal: median <= {goal} s)"
            )
    finally:
        if daemon is not None:
            daemon.terminate()
            daemon.wait(15)
        server.cleanup()


if __name__ == "__main__":
    main()
