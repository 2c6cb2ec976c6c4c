"""Start-up: `mailflow --help` and every command's `--help`, as a person types them.

Each is run as its own process (the installed `mailflow` script), several times;
the figure is the median wall time. The raw baseline is the same interpreter
starting and importing argparse. Goal (issue #15): every one under 0.3 s.
The slowest imports of `mailflow --help` are listed from `python -X importtime`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import ROOT  # noqa: F401 - puts the repository on sys.path for tests.support

from mailflow.cli.main import build_parser
from tests.support.cli import command_parsers

SCRIPT = Path(sys.executable).with_name("mailflow")
GOAL = 0.3


def timed(command: list[str], runs: int) -> float:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def commands() -> list[list[str]]:
    """`--help`, then `COMMAND --help` and `COMMAND ACTION --help` for every command."""
    return [[*path, "--help"] for path, _ in command_parsers(build_parser())]


def slowest_imports(count: int) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import mailflow.cli.main"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    rows = []
    for line in done.stderr.splitlines()[1:]:  # "import time: self [us] | cumulative | imported package"
        _, total_us, name = line.removeprefix("import time:").split("|")
        rows.append((int(total_us), name.strip()))
    return [f"{total / 1000:6.1f} ms  {name}" for total, name in sorted(rows, reverse=True)[:count]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per command (median)")
    args = parser.parse_args()
    raw = timed([sys.executable, "-c", "import argparse"], args.runs)
    print(f"raw: python -c 'import argparse': {raw:.3f} s (median of {args.runs})")
    results = [(" ".join(command), timed([str(SCRIPT), *command], args.runs)) for command in commands()]
    for name, seconds in results:
        print(f"mailflow {name:<34} {seconds:.3f} s")
    worst = max(seconds for _, seconds in results)
    print(f"{len(results)} commands; slowest {worst:.3f} s, median {statistics.median(s for _, s in results):.3f} s"
          f"  (goal: every one < {GOAL} s) {'OK' if worst < GOAL else 'OVER'}")  # fmt: skip
    print("slowest imports of `mailflow --help` (cumulative):")
    for line in slowest_imports(6):
        print("  " + line)
    return 0 if worst < GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
