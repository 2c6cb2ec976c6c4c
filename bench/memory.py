"""Peak memory of `mailflow run --once`: 5,000 against 20,000 messages, same messages.

Goal (issue #2): peak RSS under 250 MB, and not growing with the number of
messages. The main process and each worker process are measured apart
(VmHWM from /proc while the run goes on).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import PASSWORD, Dovecot, realistic_message, write_settings
from imapclient import IMAPClient


def high_water_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


def measure(server: Dovecot, user: str, count: int) -> tuple[float, float, float]:
    client = IMAPClient(server.host, port=server.port, ssl=False)
    client.login(user, PASSWORD)
    for start in range(0, count, 250):
        client.multiappend(
            "INBOX", [realistic_message(index) for index in range(start, min(count, start + 250))]
        )
    client.logout()
    workdir = Path(tempfile.mkdtemp(prefix="mailflow-memory-"))
    path = write_settings(
        workdir, f"sqlite:///{workdir / 'memory.db'}", server.port, user, PASSWORD, fetch={"batch_size": 200}
    )
    started = time.perf_counter()
    run = subprocess.Popen(
        [sys.executable, "-m", "mailflow", "--config", str(path), "run", "--once"], stderr=subprocess.DEVNULL
    )
    main_peak = worker_peak = 0.0
    while run.poll() is None:
        main_peak = max(main_peak, high_water_mb(run.pid))
        for child in children(run.pid):
            worker_peak = max(worker_peak, high_water_mb(child))
        time.sleep(0.1)
    assert run.returncode == 0
    return main_peak, worker_peak, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--counts", type=int, nargs="+", default=[5000, 20000])
    args = parser.parse_args()
    server = Dovecot().start()
    try:
        for count in args.counts:
            main_mb, worker_mb, seconds = measure(server, f"memory-{count}@ningbo-homeware.example", count)
            print(
                f"{count:>6} messages: main process peak {main_mb:.0f} MB, each worker peak {worker_mb:.0f} MB ({seconds:.1f} s)"
            )
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
