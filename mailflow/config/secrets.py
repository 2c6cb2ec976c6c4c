"""Secret references from settings.toml: env:NAME, file:PATH, cmd:COMMAND or a literal.

A Secret never shows its value in repr, str, logs or error messages; errors
name the setting and the reference kind only.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path

from mailflow.errors import SecretError
from mailflow.logs import remember_secret

_CMD_TIMEOUT_SECONDS = 30


class Secret:
    __slots__ = ("_cached", "_reference", "key")

    def __init__(self, reference: str, key: str) -> None:
        self._reference = reference
        self._cached: str | None = None
        self.key = key

    def __repr__(self) -> str:
        return f"Secret({self.key}, {self.kind})"

    __str__ = __repr__

    @property
    def kind(self) -> str:
        prefix = self._reference.partition(":")[0]
        return prefix if prefix in ("env", "file", "cmd") else "literal"

    def reveal(self) -> str:
        """The secret's value, resolved once; SecretError names the key, never the value."""
        if self._cached is None:
            self._cached = self._resolve()
            remember_secret(self._cached)
        return self._cached

    def _resolve(self) -> str:
        kind, _, rest = self._reference.partition(":")
        if kind == "env":
            value = os.environ.get(rest)
            if value is None:
                raise SecretError(f"{self.key}: environment variable {rest} is not set")
            return value
        if kind == "file":
            try:
                return Path(rest).expanduser().read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise SecretError(f"{self.key}: cannot read secret file {rest}: {exc.strerror}") from None
        if kind == "cmd":
            return self._run(rest)
        return self._reference

    def _run(self, command: str) -> str:
        try:
            done = subprocess.run(
                shlex.split(command),
                capture_output=True,
                text=True,
                timeout=_CMD_TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
            raise SecretError(f"{self.key}: secret command failed to run ({type(exc).__name__})") from None
        if done.returncode != 0:
            raise SecretError(f"{self.key}: secret command exited with status {done.returncode}")
        value = done.stdout.strip()
        if not value:
            raise SecretError(f"{self.key}: secret command printed nothing")
        return value
