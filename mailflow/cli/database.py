"""`mailflow db upgrade/status` and `mailflow templates check`: the schema and the templates."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mailflow.cli.output import command_group

if TYPE_CHECKING:
    from mailflow.config.settings import Settings
    from mailflow.store.engine import Store


def add_parsers(commands: Any) -> None:
    # `db` is the one command that works on a database not at this mailflow's migration.
    database = command_group(
        commands,
        "db",
        "the database schema (Alembic migrations)",
        with_store=database_command,
        any_schema=True,
    )
    database.add_parser("upgrade", help="migrate to this mailflow's schema; again: no change")
    database.add_parser("status", help="the schema's migration and the one this mailflow needs")

    templates = command_group(
        commands, "templates", "the operator's reply templates", plain=templates_command
    )
    check = templates.add_parser("check", help="fail on any template that must not write to a buyer")
    check.add_argument("--dir", help="templates folder (default: $MAILFLOW_TEMPLATES, then ./templates)")


def database_command(args: argparse.Namespace, _settings: Settings, store: Store) -> int:
    from mailflow.store.migrate import current, head, upgrade

    if args.action == "status":
        found, wanted = current(store.engine), head()
        print(
            f"database: {found or 'no schema'}; this mailflow: {wanted}"
            + ("" if found == wanted else " (run `mailflow db upgrade`)")
        )
        return 0 if found == wanted else 1
    before, after = upgrade(store.engine)
    if before == after:
        print(f"database: already at {after}")
    else:
        print(f"database: migrated from {before or 'nothing'} to {after}")
    return 0


def templates_command(args: argparse.Namespace) -> int:
    from mailflow.drafts.template_check import check
    from mailflow.drafts.templates import template_names

    folder = Path(args.dir or os.environ.get("MAILFLOW_TEMPLATES") or "templates")
    problems = check(folder)
    for problem in problems:
        print(f"{folder / problem.file}:{problem.line}: {problem.message}")
    if problems:
        print(f"{len(problems)} problem(s) in {folder}", file=sys.stderr)
        return 1
    print(f"{len(template_names(folder))} templates in {folder}: all good")
    return 0
