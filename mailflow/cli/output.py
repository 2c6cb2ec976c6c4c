"""What every command shares: declaring a command group, rows as a table or as JSON, who is acting.

JSON is for scripts and keeps the values as stored (times ISO 8601 in UTC); a
table is for people: times in the local zone to the minute, numbers rounded,
and columns measured in terminal cells, so Chinese subjects line up.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mailflow.errors import MailflowError

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})")


def command_group(commands: Any, name: str, summary: str, **handler: Any) -> Any:
    """`mailflow NAME ACTION ...`: the group's parser, marked with its handler (see cli/main); its actions."""
    group = commands.add_parser(name, help=summary)
    group.set_defaults(**handler)
    return group.add_subparsers(dest="action", required=True)


def with_json(parser: Any) -> Any:
    """The `--json` switch of a listing: the same rows for scripts."""
    parser.add_argument("--json", action="store_true", help="JSON instead of a table")
    return parser


def print_rows(rows: list[dict[str, Any]], as_json: bool, columns: Sequence[str]) -> int:
    """The same rows as JSON for scripts or as a table for people."""
    if as_json:
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return 0
    print(format_table(rows, columns))
    return 0


def format_table(rows: list[dict[str, Any]], columns: Sequence[str], width: int = 60) -> str:
    # Imported here: `mailflow --help` builds every parser and must start fast (see cli/main).
    from rich.cells import cell_len, set_cell_size

    def cell(value: Any) -> str:
        text = one_line(shown(value))
        return text if cell_len(text) <= width else set_cell_size(text, width - 1) + "…"

    table = [list(columns)] + [[cell(row.get(column)) for column in columns] for row in rows]
    widths = [max(cell_len(line[index]) for line in table) for index in range(len(columns))]
    lines = [
        "  ".join(set_cell_size(text, widths[index]) for index, text in enumerate(line)).rstrip()
        for line in table
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if not rows:
        lines.append("(none)")
    return "\n".join(lines)


def one_line(text: str) -> str:
    """Buyer text as one line (a line break or tab would break a table's row) that cannot move the
    cursor or recolour the terminal."""
    return _CONTROL.sub("?", " ".join(text.split()))


def shown(value: Any) -> str:
    """A value as a table cell: a time local to the minute, a float rounded, a list joined."""
    if isinstance(value, list):
        return ",".join(shown(item) for item in value)
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return local_minute(value)
    if isinstance(value, str) and _ISO_MOMENT.fullmatch(value):
        return local_minute(datetime.fromisoformat(value))
    return str(value)


def local_minute(moment: datetime) -> str:
    """2026-11-30 18:03 in this machine's zone ($TZ); a time without a zone is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def duration(seconds: float | None) -> str | None:
    """0.25 s, 12 s, 3 min 05 s: how long something took, as a person reads it."""
    if seconds is None:
        return None
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def write_new_file(path: Path, force: bool, write: Callable[[Path], None]) -> None:
    """A file a person asked for: never over an existing one without --force; a path that cannot be
    written (no such folder, no permission, a full disk) is one line, not a traceback."""
    if path.exists() and not force:
        raise MailflowError(f"{path} exists; not overwritten (--force replaces it)")
    try:
        write(path)
    except OSError as exc:
        raise MailflowError(f"{path}: cannot write it ({exc.strerror or type(exc).__name__})") from None


def reviewer() -> str:
    """Who decides: $MAILFLOW_REVIEWER, else the login name."""
    return os.environ.get("MAILFLOW_REVIEWER") or getpass.getuser()
