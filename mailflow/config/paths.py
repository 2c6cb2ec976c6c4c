"""Paths in settings.toml: each relative one is relative to the file, made absolute once when it is read.

Never relative to the folder mailflow happens to run in: the daemon, a command
started elsewhere and the review page (Flask resolves a relative path against
the package) must all see the same files. Secret files (`file:PATH`) too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mailflow.config.table import Table


def beside(base: Path, value: str) -> Path:
    """`value` (~ expanded) relative to `base`, the settings file's folder (absolute)."""
    return base / Path(value).expanduser()


def anchored(reference: Any, base: Path) -> Any:
    """A `file:` secret reference with a relative path, made relative to settings.toml."""
    if not isinstance(reference, str):
        return reference  # the mailbox's own check names the key and the wrong type
    kind, _, rest = reference.partition(":")
    if kind == "file" and rest and not Path(rest).expanduser().is_absolute():
        return f"file:{base / rest}"
    return reference


def anchor_secrets(mailbox: Table, base: Path) -> Table:
    """The [[mailbox]] table with its servers' `file:` secrets anchored (before it is read)."""
    for server in ("imap", "smtp"):
        found = mailbox.data.get(server)
        if isinstance(found, dict):
            for key in ("password", "oauth2_token"):
                if key in found:
                    found[key] = anchored(found[key], base)
    return mailbox


def resolve_sqlite(url: str, base: Path) -> str:
    """A relative SQLite path is relative to settings.toml, not to wherever mailflow was started."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url != prefix + ":memory:":
        return prefix + str((base / url[len(prefix) :]).resolve())
    return url
