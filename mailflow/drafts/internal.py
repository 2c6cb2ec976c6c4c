"""Internal notices of complaint cases: the people of a case's categories hear of it, photos attached.

When a complaint case opens, and again when the buyer sends photos for it, a
draft of kind `internal` goes to the addresses `[cases.notify]` names for the
case's categories. It is approved at once, whatever `[review]` says: it is
addressed to colleagues, not to the buyer. Never to the buyer, and never to one
of our own mailboxes (drafts/loop_guard's reason: it would come back as mail).
It carries the case, the buyer's new text, the tags with their reasons, the
trade references and the photos as files, MAX_ATTACHED_BYTES in all.

A case's notices are one thread: the first one's Message-ID is the one fixed on
its draft, and each later notice answers the one before. The key
`internal:case:<id>:contact:<contact id>` makes a re-run harmless. They are
drafted before the acknowledgements of the same run, so that an
acknowledgement may say production and inspection are looking at the case
exactly when a notice is on its way (AckCandidate.internal_notified).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mailflow.config.mailbox import MailboxSettings
from mailflow.config.notify import NotifySettings
from mailflow.config.settings import Settings
from mailflow.drafts.acknowledgements import (
    ACK_WITHIN,
    AckCandidate,
    complaint_categories,
    mailbox_context,
    reference_label,
)
from mailflow.drafts.headers import UnsafeHeader, thread_fields
from mailflow.drafts.problems import DraftingProblems
from mailflow.drafts.rows import new_draft_row
from mailflow.drafts.templates import TemplateProblem, Templates
from mailflow.inbound.guard import is_own_address

log = logging.getLogger(__name__)
audit = logging.getLogger("mailflow.audit")

# What one notice carries as files: 10 MiB is about 14 MB once base64-encoded, within the 20-25 MB
# most mail servers take. Photos beyond it are named in the text; the case's page has them all.
MAX_ATTACHED_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Photo:
    """A photo the buyer sent: a stored attachment that is evidence of the case."""

    attachment_id: int
    filename: str
    content_type: str
    size: int
    stored: bool  # its bytes are on disk (under storage.max_attachment_mb)


@dataclass(frozen=True)
class InternalCandidate:
    """A buyer message that may be due an internal notice, with what a notice of it needs."""

    message: AckCandidate
    photos: tuple[Photo, ...]  # the photos this message brought
    thread: tuple[str, ...]  # the Message-IDs of the case's notices so far, oldest first


def attached_photos(photos: tuple[Photo, ...]) -> tuple[list[Photo], list[dict[str, Any]]]:
    """(the photos a notice carries, the ones it names instead and why), in the order they came.

    Only photos reach here: case evidence is the images a buyer attached, logos and signatures left
    out (inbound/classify/classifier.is_photo).
    """
    attached: list[Photo] = []
    left_out: list[dict[str, Any]] = []
    total = 0
    for photo in photos:
        why = ""
        if not photo.stored:
            why = "not stored: over storage.max_attachment_mb"
        elif total + photo.size > MAX_ATTACHED_BYTES:
            why = f"over the {MAX_ATTACHED_BYTES // (1024 * 1024)} MB one notice carries"
        if why:
            left_out.append({"filename": photo.filename, "size": photo.size, "why": why})
        else:
            attached.append(photo)
            total += photo.size
    return attached, left_out


def notice_recipients(notify: NotifySettings, message: AckCandidate, own: frozenset[str]) -> list[str]:
    """The addresses of the case's categories, less the buyer's and our own mailboxes'."""
    buyer = {
        address.lower() for address in (message.customer_email, message.sender, message.reply_to) if address
    }
    kept = []
    for address in notify.for_categories(complaint_categories(message)):
        if address.lower() in buyer or is_own_address(address, own):
            # A notice to the buyer would tell them our internals; one to our own mailbox comes back as mail.
            log.warning(
                "case %s: %s left out of the internal notice: it is the buyer's or one of our mailboxes",
                message.case_id,
                address,
            )
            continue
        kept.append(address)
    return kept


def notice_context(
    candidate: InternalCandidate,
    mailbox: MailboxSettings,
    settings: Settings,
    attached: list[Photo],
    left_out: list[dict[str, Any]],
    first: bool,
) -> dict[str, Any]:
    """The template's context (drafts/template_check.sample_context("internal") is its contract)."""
    message, site = candidate.message, settings.notify.site_url
    links = {}
    if site:
        links = {
            "case": f"{site}/cases/{message.case_id}",
            "customer": f"{site}/customers/{message.customer_id}",
        }
    return {
        "customer": {
            "email": message.customer_email,
            "name": message.customer_name,
            "company": message.customer_company,
        },
        "company": {"name": settings.replies.company_name},
        "mailbox": mailbox_context(mailbox, settings.replies.company_name),
        "case": {
            "id": message.case_id,
            "subject": message.case_subject,
            "categories": complaint_categories(message),
            "severity": message.case_severity,
        },
        "message": {
            "subject": message.subject,
            "text": message.body,
            "date": message.at.date().isoformat(),
            "sender": message.sender,
        },
        "tags": message.tags,
        "reasons": message.reasons,
        "references": [reference_label(ref, "en") for ref in message.references],
        "photos": [{"filename": photo.filename, "size": photo.size} for photo in attached],
        "photos_left_out": left_out,
        "first": first,
        "links": links,
    }


def notice_draft(
    candidate: InternalCandidate,
    thread: list[str],
    recipients: list[str],
    mailbox: MailboxSettings,
    settings: Settings,
    templates: Templates,
) -> dict[str, Any]:
    """The row of a new internal notice; `thread` is the case's notices so far. Raises TemplateProblem or UnsafeHeader."""
    message = candidate.message
    attached, left_out = attached_photos(candidate.photos)
    context = notice_context(candidate, mailbox, settings, attached, left_out, first=not thread)
    rendered = templates.render(templates.choose("internal", "case", settings.notify.language), context)
    row = new_draft_row(
        "internal",
        "auto",  # to colleagues: sent without review, whatever [review] says
        mailbox,
        recipients,
        rendered,
        f"internal:case:{message.case_id}:contact:{message.contact_id}",
        context,
        message.customer_id,
        message.case_id,
    )
    return {
        **row,
        "contact_id": message.contact_id,
        **(thread_fields(thread[-1], thread[:-1]) if thread else {}),  # the first notice starts the thread
        "tags": message.tags,
        "reasons": message.reasons,
        "attachment_ids": [photo.attachment_id for photo in attached],
    }


def draft_internal_notices(
    settings: Settings,
    store: Any,
    templates: Templates,
    now: datetime,
    problems: DraftingProblems | None = None,
) -> int:
    """Draft the notices due; without [cases.notify] nothing is asked of the database."""
    if not settings.notify.enabled:
        return 0
    created = 0
    failures = (problems or DraftingProblems()).begin("internal notices", "no internal notice drafted")
    mailboxes = {box.name: box for box in settings.mailboxes}
    own = settings.own_addresses
    threads: dict[int, list[str]] = {}  # each case's notices, with the ones this run adds
    told: set[int] = set()  # cases this run told of; before it, internal_candidates knows
    for candidate in store.internal_candidates(now - ACK_WITHIN):
        message = candidate.message
        thread = threads.setdefault(message.case_id, list(candidate.thread))
        if message.case_id in told and not candidate.photos:
            continue  # the case's people know of it; only new photos are news to them
        recipients = notice_recipients(settings.notify, message, own)
        if not recipients:
            continue  # nobody is named for these categories
        mailbox = mailboxes.get(settings.notify.mailbox or message.mailbox)
        if mailbox is None:
            log.warning(
                "case %s: mailbox %s is no longer configured; no internal notice",
                message.case_id,
                message.mailbox,
            )
            continue
        try:
            row = notice_draft(candidate, thread, recipients, mailbox, settings, templates)
        except (TemplateProblem, UnsafeHeader) as exc:
            failures.failed(f"case {message.case_id}", exc)
            continue
        if store.create_draft(row):
            created += 1
            told.add(message.case_id)
            thread.append(row["message_id"])
            audit.info(
                "case %s: internal notice to %s drafted with %d photo(s) (%s)",
                message.case_id,
                ", ".join(recipients),
                len(row["attachment_ids"]),
                row["status"],
                extra={"customer": message.customer_email},
            )
    failures.finish()
    return created
