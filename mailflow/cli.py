"""The `mailflow` command: parses arguments, calls services, prints. Nothing else."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError

from mailflow import config as config_module
from mailflow import logs
from mailflow.errors import ConfigError, DatabaseUnreachable, MailflowError
from mailflow.ingest import Ingest
from mailflow.ledger import ImportRefused
from mailflow.ledger_cli import add_ledger_parsers, report_refusal
from mailflow.migrate import require_current
from mailflow.pipeline import process
from mailflow.review import STATES
from mailflow.schedule_cli import add_schedule_parsers
from mailflow.setup_cli import add_setup_parsers
from mailflow.store import Store
from mailflow.web.cli import add_web_parsers

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mailflow",
        description="Watches sales mailboxes, tags complaints and payments, drafts replies for review, "
        "sends them and scheduled mail, and logs every contact.",
    )
    parser.add_argument("--config", help="settings file (default: $MAILFLOW_CONFIG, then ./settings.toml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="watch the mailboxes (IDLE); --once: process what is new and exit")
    run.add_argument("--once", action="store_true")

    contacts = commands.add_parser("contacts", help="the contact log").add_subparsers(
        dest="action", required=True
    )
    listing = contacts.add_parser("list")
    listing.add_argument("--customer", metavar="EMAIL")
    listing.add_argument("--json", action="store_true")

    cases = commands.add_parser("cases", help="complaint cases").add_subparsers(dest="action", required=True)
    cases.add_parser("list").add_argument("--json", action="store_true")
    cases.add_parser("resolve", help="the complaint is settled; a satisfaction check follows").add_argument(
        "id", type=int
    )

    quarantine = commands.add_parser("quarantine", help="messages that could not be processed")
    quarantine_actions = quarantine.add_subparsers(dest="action", required=True)
    quarantine_actions.add_parser("list").add_argument("--json", action="store_true")
    quarantine_actions.add_parser("retry").add_argument("id", type=int)

    drafts = commands.add_parser("drafts", help="replies waiting for review, approved, sent")
    draft_actions = drafts.add_subparsers(dest="action", required=True)
    draft_list = draft_actions.add_parser("list")
    draft_list.add_argument("--status", choices=STATES)
    draft_list.add_argument("--json", action="store_true")
    draft_actions.add_parser("show").add_argument("id", type=int)
    approve = draft_actions.add_parser(
        "approve", help="approve; --edit opens $EDITOR first (the edit is kept as a diff)"
    )
    approve.add_argument("id", type=int)
    approve.add_argument("--edit", action="store_true")
    reject = draft_actions.add_parser("reject")
    reject.add_argument("id", type=int)
    reject.add_argument("--reason", required=True)

    bounces = commands.add_parser("bounces", help="addresses mail could not be delivered to")
    bounce_actions = bounces.add_subparsers(dest="action", required=True)
    bounce_actions.add_parser("list").add_argument("--json", action="store_true")
    bounce_actions.add_parser("clear", help="the address works again").add_argument("email")

    add_web_parsers(commands)
    add_ledger_parsers(commands)
    add_schedule_parsers(commands)
    add_setup_parsers(commands)

    templates = commands.add_parser("templates", help="the operator's reply templates")
    template_actions = templates.add_subparsers(dest="action", required=True)
    template_check = template_actions.add_parser(
        "check", help="fail on any template that must not write to a buyer"
    )
    template_check.add_argument(
        "--dir", help="templates folder (default: $MAILFLOW_TEMPLATES, then ./templates)"
    )

    database = commands.add_parser("db", help="the database schema (Alembic migrations)")
    database_actions = database.add_subparsers(dest="action", required=True)
    database_actions.add_parser("upgrade", help="migrate to this mailflow's schema; again: no change")
    database_actions.add_parser("status", help="the schema's migration and the one this mailflow needs")

    demo = commands.add_parser("demo", help="run the whole pipeline against an embedded IMAP server")
    demo.add_argument("--keep", metavar="DIR", help="keep the demo's database and files in DIR")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logs.configure(args.verbose)
    try:
        return _dispatch(args)
    except ConfigError as exc:
        print(f"mailflow: configuration error: {exc}", file=sys.stderr)
        return 2
    except ImportRefused as exc:
        return report_refusal(exc)
    except MailflowError as exc:
        print(f"mailflow: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from mailflow.demo import run_demo

        return run_demo(args.keep)
    if args.command == "templates":
        return _check_templates(args.dir)
    if args.command == "init":
        from mailflow.setup_cli import init_command

        return init_command(args, config_module.config_path(args.config))
    if args.command == "doctor":
        from mailflow.setup_cli import doctor_command

        return doctor_command(config_module.config_path(args.config))
    settings = config_module.load(config_module.config_path(args.config))
    if settings.log.format != "text":
        logs.configure(args.verbose, settings.log.format)
    store = Store(settings.database_url)
    try:
        if args.command == "db":
            return _database(store, args.action)
        require_current(store.engine)  # an unmigrated database is refused, with the command that fixes it
        return _with_store(args, settings, store)
    except (OperationalError, InterfaceError) as exc:
        raise DatabaseUnreachable(store.engine.url, exc) from None
    finally:
        store.close()


def _database(store: Store, action: str) -> int:
    from mailflow.migrate import current, head, upgrade

    if action == "status":
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


def _with_store(args: argparse.Namespace, settings: config_module.Settings, store: Store) -> int:
    from mailflow.ledger_cli import customers_command, invoices_command
    from mailflow.review_cli import bounces_command, drafts_command
    from mailflow.schedule_cli import jobs_command, resolve_case_command, schedule_command
    from mailflow.web.cli import reviewers_command, serve_command

    handlers: dict[str, Any] = {
        "run": lambda: _run(settings, store, args.once),
        "contacts": lambda: print_rows(store.contacts(customer=args.customer), args.json, CONTACT_COLUMNS),
        "cases": lambda: (
            resolve_case_command(args, store)
            if args.action == "resolve"
            else print_rows(store.cases(), args.json, CASE_COLUMNS)
        ),
        "drafts": lambda: drafts_command(args, store),
        "bounces": lambda: bounces_command(args, store),
        "reviewers": lambda: reviewers_command(args, store),
        "review": lambda: serve_command(args, settings, store),
        "customers": lambda: customers_command(args, store),
        "invoices": lambda: invoices_command(args, store),
        "schedule": lambda: schedule_command(args, settings, store),
        "jobs": lambda: jobs_command(args, settings, store),
    }
    if args.command in handlers:
        return int(handlers[args.command]())
    if args.action == "list":
        return print_rows(store.quarantined(), args.json, QUARANTINE_COLUMNS)
    return _retry(settings, store, args.id)


def _run(settings: config_module.Settings, store: Store, once: bool) -> int:
    from mailflow.daemon import Daemon, run_once

    for mailbox in settings.mailboxes:  # fail fast, before any connection, on a missing secret
        secret = mailbox.imap.password or mailbox.imap.oauth2_token
        if secret is not None:
            secret.reveal()
    if once:
        # A log collector reading JSON lines gets the summary as log lines too.
        report = log.info if settings.log.format == "json" else lambda line: print(line, file=sys.stderr)
        return run_once(settings, store, report)
    daemon = Daemon(settings, store)
    daemon.install_signal_handlers()
    log.info("watching %d mailbox(es); SIGTERM or Ctrl-C stops", len(settings.mailboxes))
    daemon.run_until_stopped()
    return 0


def _check_templates(directory: str | None) -> int:
    import os
    from pathlib import Path

    from mailflow.template_check import check
    from mailflow.templating import template_names

    folder = Path(directory or os.environ.get("MAILFLOW_TEMPLATES") or "templates")
    problems = check(folder)
    for problem in problems:
        print(f"{folder / problem.file}:{problem.line}: {problem.message}")
    if problems:
        print(f"{len(problems)} problem(s) in {folder}", file=sys.stderr)
        return 1
    print(f"{len(template_names(folder))} templates in {folder}: all good")
    return 0


def _retry(settings: config_module.Settings, store: Store, quarantine_id: int) -> int:
    row = store.quarantined_message(quarantine_id)
    if row is None:
        raise MailflowError(f"no quarantined message with id {quarantine_id}")
    if row.resolved_at is not None:
        print(f"quarantine {quarantine_id} was already resolved", file=sys.stderr)
        return 0
    result = process(row.uid, row.raw, settings.rules, settings.own_addresses)
    stored = Ingest(settings, store).save_attachments([result])
    outcome = store.resolve_quarantine(quarantine_id, result, stored)
    if outcome.quarantined:
        print(
            f"quarantine {quarantine_id}: still failing: {getattr(result, 'reason', '')}",
            file=sys.stderr,
        )
        return 1
    print(
        f"quarantine {quarantine_id}: processed ({outcome.recorded} logged, {outcome.duplicates} already logged)"
    )
    return 0


CONTACT_COLUMNS = ("id", "at", "direction", "customer", "subject", "tags", "severity", "language")
CASE_COLUMNS = ("id", "customer", "status", "severity", "categories", "evidence", "subject")
QUARANTINE_COLUMNS = ("id", "mailbox", "folder", "uid", "at", "reason")


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
