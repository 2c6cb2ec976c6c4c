"""`mailflow drafts ...`: the reviewer's commands in a terminal (the web page is its own issue)."""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mailflow.cli.output import command_group, print_rows, reviewer, shown, with_json
from mailflow.drafts.states import STATES
from mailflow.errors import MailflowError

if TYPE_CHECKING:
    from mailflow.config.settings import Settings
    from mailflow.store.engine import Store

DRAFT_COLUMNS = ("id", "status", "kind", "customer", "subject", "template", "failure")


def add_parsers(commands: Any) -> None:
    drafts = command_group(
        commands, "drafts", "replies waiting for review, approved, sent", with_store=drafts_command
    )
    listing = drafts.add_parser("list", help="drafts and their state")
    listing.add_argument("--status", choices=STATES, help="only drafts in this state")
    with_json(listing)
    drafts.add_parser("show", help="one draft, as it would be sent").add_argument(
        "id", type=int, help="the draft's id"
    )
    approve = drafts.add_parser(
        "approve", help="approve; --edit opens $EDITOR first (the edit is kept as a diff)"
    )
    approve.add_argument("id", type=int, help="the draft's id")
    approve.add_argument("--edit", action="store_true", help="edit the text in $EDITOR before approving")
    reject = drafts.add_parser("reject", help="never send it")
    reject.add_argument("id", type=int, help="the draft's id")
    reject.add_argument("--reason", required=True, help="why, for the history")

    bounces = command_group(
        commands, "bounces", "addresses mail could not be delivered to", with_store=bounces_command
    )
    with_json(bounces.add_parser("list", help="addresses marked as bouncing"))
    bounces.add_parser("clear", help="the address works again").add_argument(
        "email", help="the address a person checked"
    )


def drafts_command(args: argparse.Namespace, _settings: Settings, store: Store) -> int:
    from mailflow.drafts.store import Outbox

    outbox = Outbox(store)
    if args.action == "list":
        return print_rows(outbox.drafts(args.status), args.json, DRAFT_COLUMNS)
    draft = outbox.draft(args.id)
    if draft is None:
        raise MailflowError(f"no draft with id {args.id}")
    if args.action == "show":
        print(_render(draft, _buyer_wrote(store, draft)))
        return 0
    if args.action == "reject":
        status = outbox.decide(args.id, "rejected", reviewer(), detail=args.reason)
        print(f"draft {args.id}: {status}")
        return 0
    status = outbox.approve(args.id, reviewer(), (lambda: _edited(draft)) if args.edit else None)
    print(f"draft {args.id}: {status}")
    return 0


def bounces_command(args: argparse.Namespace, _settings: Settings, store: Store) -> int:
    from mailflow.drafts.store import Outbox

    outbox = Outbox(store)
    if args.action == "list":
        return print_rows(outbox.bounces(), args.json, ("email", "reports", "first_at", "last_at"))
    if not outbox.clear_bounce(args.email, reviewer()):
        raise MailflowError(f"{args.email} is not marked as bouncing")
    print(f"{args.email}: cleared; automatic mail may go there again")
    return 0


def _buyer_wrote(store: Store, draft: dict[str, Any]) -> str:
    """For a payment reminder: the buyer's latest word about paying it ("" when none)."""
    from mailflow.ledger.payment_holds import reminder_invoice
    from mailflow.ledger.store import Ledger

    number = reminder_invoice(draft["idempotency_key"]) if draft["kind"] == "reminder" else ""
    wrote = Ledger(store).buyer_wrote(number) if number else None
    return str(wrote["text"]) if wrote else ""


def _render(draft: dict[str, Any], buyer_wrote: str = "") -> str:
    lines = [
        f"Draft {draft['id']} ({draft['kind']}, {draft['status']}, review {draft['policy']})",
        f"From: {draft['from']}",
        f"To: {', '.join(draft['to'])}",
        *([f"Cc: {', '.join(draft['cc'])}"] if draft.get("cc") else []),
        f"Subject: {draft['subject']}",
        f"In-Reply-To: <{draft['in_reply_to']}>" if draft["in_reply_to"] else "",
        f"Message-ID: <{draft['message_id']}>",
        f"Template: {draft['template']}    Tags: {', '.join(draft['tags'])}",
        *(f"  why: {reason}" for reason in draft["reasons"]),
        *([f"Note: {buyer_wrote}"] if buyer_wrote else []),
        "",
        draft["body"],
        "History:",
        *(f"  {shown(e['at'])} {e['actor']}: {e['action']} {e['detail']}".rstrip() for e in draft["events"]),
    ]
    return "\n".join(line for line in lines if line is not None)


def _edited(draft: dict[str, Any]) -> tuple[str, str] | None:
    """Open $EDITOR on subject and body: the new (subject, body), None when unchanged."""
    before = f"Subject: {draft['subject']}\n\n{draft['body']}"
    with tempfile.NamedTemporaryFile("w+", suffix=".txt", encoding="utf-8", delete=False) as handle:
        handle.write(before)
        path = Path(handle.name)
    try:
        editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        if subprocess.run([*shlex.split(editor), str(path)], check=False).returncode != 0:
            raise MailflowError("the editor failed; the draft is unchanged")
        after = path.read_text(encoding="utf-8")
    finally:
        path.unlink(missing_ok=True)
    if after == before:
        return None
    first, _, body = after.partition("\n\n")
    if not first.startswith("Subject: "):
        raise MailflowError("keep the first line as 'Subject: ...' and a blank line before the text")
    return first[len("Subject: ") :], body
