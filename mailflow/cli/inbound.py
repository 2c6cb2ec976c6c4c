"""`mailflow run`, `contacts list/retag` and `quarantine list/retry`: the mail that came in (cases: cli/cases)."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mailflow.cli.output import command_group, print_rows, reviewer, with_json
from mailflow.errors import MailflowError

if TYPE_CHECKING:
    from mailflow.config.settings import Settings
    from mailflow.store.engine import Store

log = logging.getLogger(__name__)

CONTACT_COLUMNS = ("id", "at", "direction", "customer", "subject", "tags", "severity", "language")
QUARANTINE_COLUMNS = ("id", "mailbox", "folder", "uid", "at", "reason")


def add_parsers(commands: Any) -> None:
    run = commands.add_parser("run", help="watch the mailboxes (IDLE); --once: process what is new and exit")
    run.add_argument("--once", action="store_true", help="fetch, process and send what is new, then exit")
    run.set_defaults(with_store=run_command)

    contacts = command_group(commands, "contacts", "the contact log", with_store=contacts_command)
    listing = contacts.add_parser("list", help="every contact, oldest first")
    listing.add_argument("--customer", metavar="EMAIL", help="only this customer's contacts")
    with_json(listing)
    retag = contacts.add_parser(
        "retag", help="correct a buyer message's tags; the case follows the correction"
    )
    retag.add_argument("id", type=int, help="the message's id (contacts list)")
    retag.add_argument("--tags", required=True, help='the right tags, comma-separated ("" for none)')
    retag.add_argument("--severity", default="", help="high, medium or low (default: medium for a complaint)")

    quarantine = command_group(
        commands, "quarantine", "messages that could not be processed", with_store=quarantine_command
    )
    with_json(quarantine.add_parser("list", help="what is waiting, with the reason"))
    quarantine.add_parser("retry", help="process the message again").add_argument(
        "id", type=int, help="the quarantine entry's id"
    )


def run_command(args: argparse.Namespace, settings: Settings, store: Store) -> int:
    from mailflow.ops.daemon import Daemon, run_once

    for mailbox in settings.mailboxes:  # fail fast, before any connection, on a missing secret
        secret = mailbox.imap.password or mailbox.imap.oauth2_token
        if secret is not None:
            secret.reveal()
    if args.once:
        # A log collector reading JSON lines gets the summary as log lines too.
        report = (
            _report_as_log if settings.log.format == "json" else lambda line: print(line, file=sys.stderr)
        )
        return run_once(settings, store, report)
    daemon = Daemon(settings, store)
    daemon.install_signal_handlers()
    log.info("watching %d mailbox(es); SIGTERM or Ctrl-C stops", len(settings.mailboxes))
    daemon.run_until_stopped()
    return 0


def _report_as_log(line: str) -> None:
    """A `run --once` line as a log line: its `error: ...` lines at ERROR, where a collector alerts."""
    if line.startswith("error: "):
        log.error("%s", line.removeprefix("error: "))
    else:
        log.info("%s", line)


def contacts_command(args: argparse.Namespace, _settings: Settings, store: Store) -> int:
    if args.action == "retag":
        return _retag(args, store)
    return print_rows(store.contacts(customer=args.customer), args.json, CONTACT_COLUMNS)


def _retag(args: argparse.Namespace, store: Store) -> int:
    from mailflow.review.retag import retag

    tags = [tag.strip() for tag in args.tags.split(",") if tag.strip()]
    complaint = any(tag.startswith("complaint:") for tag in tags)
    done = retag(store, args.id, tags, args.severity or ("medium" if complaint else "low"), reviewer())
    print(f"message {done.contact_id}: {','.join(done.old_tags) or '-'} -> {','.join(done.new_tags) or '-'}")
    if done.case_opened:
        print(f"case {done.case_opened} opened; its acknowledgement is drafted on the next round")
    if done.case_withdrawn:
        print(f"case {done.case_withdrawn} withdrawn; {done.drafts_cancelled} waiting draft(s) cancelled")
    return 0


def quarantine_command(args: argparse.Namespace, settings: Settings, store: Store) -> int:
    if args.action == "list":
        return print_rows(store.quarantined(), args.json, QUARANTINE_COLUMNS)
    return _retry(settings, store, args.id)


def _retry(settings: Settings, store: Store, quarantine_id: int) -> int:
    from mailflow.inbound.ingest import Ingest, arrival_of
    from mailflow.inbound.pipeline import process
    from mailflow.inbound.recording import resolve_quarantine

    row = store.quarantined_message(quarantine_id)
    if row is None:
        raise MailflowError(f"no quarantined message with id {quarantine_id}")
    if row.resolved_at is not None:
        print(f"quarantine {quarantine_id} was already resolved", file=sys.stderr)
        return 0
    result = process(
        row.uid,
        row.raw,
        settings.rules,
        settings.own_addresses,
        # It reached the server about when it was quarantined; a first sync's history is not known here.
        arrival=arrival_of(row.uid, row.at, 0, datetime.now(UTC)),
        parse_limits=settings.parse,
    )
    stored = Ingest(settings, store).save_attachments([result])
    outcome = resolve_quarantine(
        store, quarantine_id, result, stored, settings.cases, settings.colleague_addresses
    )
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
