"""Ingest throughput: `run --once` against the raw imapclient baseline, same Dovecot, same run.

Baseline: imapclient FETCH of BODY.PEEK[] in batches of 500 plus
email.message_from_bytes on each message; no logic, no database.
Goal (issue #2): mailflow at least 0.6 of the baseline's throughput.
"""

from __future__ import annotations

import argparse
import email
import statistics
import tempfile
import time
from pathlib import Path

from common import PASSWORD, Dovecot, realistic_messages, write_settings
from imapclient import IMAPClient

USER = "bench@ningbo-homeware.example"


def fill(server: Dovecot, count: int) -> None:
    client = IMAPClient(server.host, port=server.port, ssl=False)
    client.login(USER, PASSWORD)
    messages = realistic_messages(count)
    for start in range(0, count, 250):
        client.multiappend("INBOX", messages[start : start + 250])
    client.logout()


def baseline(server: Dovecot) -> float:
    started = time.perf_counter()
    client = IMAPClient(server.host, port=server.port, ssl=False)
    client.login(USER, PASSWORD)
    client.select_folder("INBOX", readonly=True)
    uids = client.search("ALL")
    parsed = 0
    for start in range(0, len(uids), 500):
        for data in client.fetch(uids[start : start + 500], ["BODY.PEEK[]"]).values():
            email.message_from_bytes(data[b"BODY[]"])
            parsed += 1
    client.logout()
    assert parsed == len(uids)
    return time.perf_counter() - started


def mailflow_once(
    server: Dovecot, workdir: Path, batch_size: int, workers: int, model: str = "builtin"
) -> tuple[float, int]:
    # Imported here, not at the top: worker processes (spawn) import the main script again,
    # and in real use that is the `mailflow` script, which loads only the command line.
    from mailflow.config.settings import load
    from mailflow.ops.daemon import run_once
    from mailflow.store.engine import Store

    fetch = {"batch_size": batch_size, "workers": workers}
    path = write_settings(
        workdir, f"sqlite:///{workdir / 'bench.db'}", server.port, USER, PASSWORD, fetch=fetch, model=model
    )
    settings = load(path)
    store = Store(settings.database_url)
    store.create_schema()
    started = time.perf_counter()
    code = run_once(settings, store, lambda line: None)
    elapsed = time.perf_counter() - started
    logged = len(store.contacts())
    store.close()
    assert code == 0
    return elapsed, logged


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2, help="worker processes for parsing (0: none)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="baseline and mailflow alternate; medians compared"
    )
    parser.add_argument("--model", default="builtin", help='the tagging model ("off": the rules alone)')
    parser.add_argument(
        "--workdir", help="where mailflow keeps its database and attachments (default: TMPDIR)"
    )
    args = parser.parse_args()
    server = Dovecot().start()
    try:
        fill(server, args.messages)
        baseline(server)  # warm Dovecot's caches so neither side pays for them
        raw_times, our_times = [], []
        for _ in range(args.rounds):
            raw_times.append(baseline(server))
            with tempfile.TemporaryDirectory(dir=args.workdir) as workdir:
                ours, logged = mailflow_once(server, Path(workdir), args.batch_size, args.workers, args.model)
            assert logged == args.messages, f"logged {logged} of {args.messages}"
            our_times.append(ours)
        raw_seconds, our_seconds = statistics.median(raw_times), statistics.median(our_times)
        print(
            f"messages: {args.messages}, rounds: {args.rounds} (medians; each round: baseline, then mailflow)"
        )
        print(
            f"raw imapclient + message_from_bytes: {raw_seconds:.2f} s ({args.messages / raw_seconds:.0f} msg/s)"
            f"  rounds: {', '.join(f'{t:.2f}' for t in raw_times)}"
        )
        print(
            f"mailflow run --once (SQLite, {args.workers} worker(s)): {our_seconds:.2f} s "
            f"({args.messages / our_seconds:.0f} msg/s)  rounds: {', '.join(f'{t:.2f}' for t in our_times)}"
        )
        print(f"ratio (mailflow / raw throughput): {raw_seconds / our_seconds:.2f}  (goal >= 0.6)")
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
