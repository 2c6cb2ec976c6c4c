"""The `mailflow` command as a child process, the way an operator runs it."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path


def run_mailflow(
    settings: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`mailflow --config SETTINGS ARGS...`; `env` adds to (never replaces) this process's environment."""
    return subprocess.run(
        [sys.executable, "-m", "mailflow", "--config", str(settings), *args],
        input=stdin, capture_output=True, text=True, timeout=60, check=False, env={**os.environ, **(env or {})},
    )  # fmt: skip


def command_parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every parser of the command tree with the words that reach it: (), ("drafts",), ("drafts", "list")..."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from command_parsers(child, (*path, name))
