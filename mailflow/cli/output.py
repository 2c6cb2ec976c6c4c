"""What every command shares: declaring a command group, rows as a table or as JSON, who is acting."""

from __future__ import annotations

import getpass
import json
import os
import sys
from collections.abc import Sequence
from typing import Any


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
    def cell(value: Any) -> str:
        if isinstance(value, list):
            value = ",".join(str(item) for item in value)
        text = "" if value is None else str(value)
        return text if len(text) <= width else text[: width - 1] + "…"

    table = [list(columns)] + [[cell(row.get(column)) for column in columns] for row in rows]
    widths = [max(len(line[index]) for line in table) for index in range(len(columns))]
    lines = [
        "  ".join(text.ljust(widths[index]) for index, text in enumerate(line)).rstrip() for line in table
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if not rows:
        lines.append("(none)")
    return "\n".join(lines)


def reviewer() -> str:
    """Who decides: $MAILFLOW_REVIEWER, else the login name."""
    return os.environ.get("MAILFLOW_REVIEWER") or getpass.getuser()
