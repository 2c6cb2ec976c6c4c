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
        commands,
        "templates",
        "the reply templates: the shipped ones and the operator's",
        plain=templates_command,
    )
    check = templates.add_parser(
        "check", help="fail on any template that must not write to a buyer (the set mailflow uses)"
    )
    check.add_argument(
        "--dir", help="the operator's folder (default: $MAILFLOW_TEMPLATES, then templates.dir of --config)"
    )
    copy = templates.add_parser("copy", help="copy the shipped templates into DIR to adapt them")
    copy.add_argument("dir", metavar="DIR", help="the folder to copy into (created 0700)")
    copy.add_argument("--force", action="store_true", help="overwrite files DIR already has")


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
    if args.action == "copy":
        return _copy_templates(Path(args.dir), args.force)
    from mailflow.drafts.template_check import check
    from mailflow.drafts.templates import SHIPPED_TEMPLATES, Templates

    folder = _operator_folder(args)
    if folder is not None and not folder.is_dir():
        print(f"{folder}: templates folder not found", file=sys.stderr)
        return 1
    problems = check(folder, SHIPPED_TEMPLATES)
    for problem in problems:
        print(f"{problem.path}:{problem.line}: {problem.message}")
    where = f"{folder} over the shipped ones" if folder else f"the shipped ones ({SHIPPED_TEMPLATES})"
    if problems:
        print(f"{len(problems)} problem(s) in {where}", file=sys.stderr)
        return 1
    templates = Templates(folder, SHIPPED_TEMPLATES)
    own = sum(source == folder for source in templates.sources.values())
    print(f"{len(templates.names)} templates ({own} of them the operator's), {where}: all good")
    return 0


def _operator_folder(args: argparse.Namespace) -> Path | None:
    """--dir, $MAILFLOW_TEMPLATES, templates.dir of the settings file; None: the shipped ones alone."""
    given = args.dir or os.environ.get("MAILFLOW_TEMPLATES")
    if given:
        return Path(given)
    from mailflow.config import settings as config

    path = config.config_path(args.config)
    if not path.exists():
        return None
    replies = config.load(path).replies
    return replies.templates_dir if replies.templates_dir.is_dir() else None


def _copy_templates(folder: Path, force: bool) -> int:
    from mailflow.drafts.template_copy import copy_shipped

    copied, kept = copy_shipped(folder, force)
    for name in copied:
        print(f"copied {folder / name}")
    for name in kept:
        print(f"kept {folder / name} (exists; --force overwrites it)")
    print(f"{len(copied)} copied, {len(kept)} kept in {folder}; edit them, then `mailflow templates check`")
    return 0
