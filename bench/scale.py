"""Scale-out: one `mailflow run` worker against two, on PostgreSQL, over the same 10,000 messages.

Two mailboxes in Dovecot hold 5,000 realistic messages each (a quarter with a
50 KB photo, a fifth with GB2312 subjects). Each round starts the workers on a
fresh schema and times them from start until all 10,000 messages are in the
contact log; rounds alternate between one worker and two. Reported: the
ratio of the medians (two workers' throughput over one's), and the
duplicates: contact-log rows beyond one per message (must be 0), and messages
a worker fetched that another had already logged (wasted work at hand-overs).

The machine has 2 cores shared with PostgreSQL and Dovecot, and one worker
already parses a backlog in 2 processes (fetch.workers), so a second worker
mostly adds IMAP and database concurrency, not CPU. `--parse-workers 0`
shows the scaling of the daemons alone. The lease is 6 s (a 2 s heartbeat) so
the first worker hands the second mailbox over quickly; the default is 30 s.
"""

from __future__ import annotations

import argparse
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import PASSWORD, Dovecot, realistic_message
from imapclient import IMAPClient
from send import drop_schema, fresh_schema
from sqlalchemy import create_engine, text

from mailflow.store.engine import Store

MAILBOXES, PER_MAILBOX = 2, 5_000
ALREADY = re.compile(r"(\d+) already logged")
DONE = "SELECT (SELECT count(*) FROM contacts) + (SELECT count(*) FROM quarantine)"
COUNTS = "SELECT count(*), count(DISTINCT message_id) FROM contacts"


def settings_file(folder: Path, url: str, imap_port: int, users: list[str], parse_workers: int) -> Path:
    boxes = "".join(
        f'\n[[mailbox]]\nname = "box{index}"\naddress = "{user}"\n'
        f'[mailbox.imap]\nhost = "127.0.0.1"\nport = {imap_port}\nsecurity = "none"\npassword = "{PASSWORD}"\n'
        "watch_sent = false\n"
        for index, user in enumerate(users)
    )  # fmt: skip
    path = folder / "settings.toml"
    path.write_text(
        f'[database]\nurl = "{url}"\n[storage]\ndata_dir = "{folder / "data"}"\n'
        f'[templates]\ndir = "{Path(__file__).resolve().parents[1] / "mailflow" / "drafts" / "shipped_templates"}"\n'
        f"[fetch]\nbatch_size = 200\nworkers = {parse_workers}\nlease_seconds = 6\n"
        "[schedule]\nenabled = false\n" + boxes,
        encoding="utf-8",
    )  # fmt: skip
    return path


def fill(imap_port: int, users: list[str]) -> None:
    for box, user in enumerate(users):
        client = IMAPClient("127.0.0.1", port=imap_port, ssl=False)
        client.login(user, PASSWORD)
        for index in range(PER_MAILBOX):
            client.append("INBOX", realistic_message(box * PER_MAILBOX + index))
        client.logout()


def one_round(workers: int, imap_port: int, users: list[str], parse_workers: int) -> tuple[float, int, int]:
    """(seconds until every message is logged, duplicate rows, messages fetched twice)."""
    name = f"scale{workers}"
    url = fresh_schema(name)
    Store(url).create_schema()
    engine = create_engine(url)
    total = MAILBOXES * PER_MAILBOX
    with tempfile.TemporaryDirectory() as folder:
        settings = settings_file(Path(folder), url, imap_port, users, parse_workers)
        logs = [Path(folder) / f"worker{index}.log" for index in range(workers)]
        started = time.perf_counter()
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "mailflow", "--config", str(settings), "run"], stderr=log.open("wb")
            )
            for log in logs
        ]
        try:
            while True:
                with engine.connect() as connection:
                    done = connection.execute(text(DONE)).scalar_one()
                if done >= total:
                    break
                if any(process.poll() is not None for process in processes):
                    raise SystemExit(f"a worker exited early: {logs[0].read_text()[-2000:]}")
                if time.perf_counter() - started > 900:
                    raise SystemExit(f"only {done} of {total} messages after 900 s")
                time.sleep(0.1)
            seconds = time.perf_counter() - started
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(30)
        with engine.connect() as connection:
            rows, distinct = connection.execute(text(COUNTS)).one()
            quarantined = connection.execute(text("SELECT count(*) FROM quarantine")).scalar_one()
        if quarantined:
            raise SystemExit(f"{quarantined} message(s) quarantined: see {logs}")
        fetched_twice = sum(int(n) for log in logs for n in ALREADY.findall(log.read_text()))
    engine.dispose()
    drop_schema(name)
    return seconds, rows - distinct, fetched_twice


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--parse-workers", type=int, default=2, help="fetch.workers of each daemon")
    args = parser.parse_args()
    dovecot = Dovecot().start()
    try:
        users = [f"scale{index}@ningbo-homeware.example" for index in range(MAILBOXES)]
        started = time.perf_counter()
        fill(dovecot.port, users)
        print(f"{MAILBOXES * PER_MAILBOX} messages appended in {time.perf_counter() - started:.1f} s")
        times: dict[int, list[float]] = {1: [], 2: []}
        duplicates = fetched_twice = 0
        for round_ in range(args.rounds):
            for workers in (1, 2) if round_ % 2 == 0 else (2, 1):
                seconds, duplicate_rows, twice = one_round(workers, dovecot.port, users, args.parse_workers)
                times[workers].append(seconds)
                duplicates += duplicate_rows
                fetched_twice += twice
                rate = MAILBOXES * PER_MAILBOX / seconds
                print(f"round {round_ + 1}, {workers} worker(s): {seconds:.1f} s ({rate:.0f} msg/s), "
                      f"{duplicate_rows} duplicate rows, {twice} fetched again")  # fmt: skip
        one, two = statistics.median(times[1]), statistics.median(times[2])
        print(
            f"median: 1 worker {one:.1f} s, 2 workers {two:.1f} s; "
            f"2 workers do {one / two:.2f}x the work of 1 (fetch.workers = {args.parse_workers}); "
            f"duplicates {duplicates}, messages fetched again at hand-overs {fetched_twice}"
        )
    finally:
        dovecot.cleanup()


if __name__ == "__main__":
    main()
