"""The `mailflow` command as a child process, the way an operator runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_mailflow(
    settings: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`mailflow --config SETTINGS ARGS...`; `env` adds to (never replaces) this process's environment."""
    return subprocess.run(
        [sys.executable, "-m", "mailflow", "--config", str(settings), *args],
        input=stdin, capture_output=True, text=True, timeout=60, check=False, env={**os.environ, **(env or {})},
    )  # fmt: skip
