"""Acknowledgement drafts: the template context, and what is due.

A complaint case gets at most one acknowledgement, and one more each time the
buyer's mail reopens it: the draft's idempotency key is `ack:case:<id>` (then
`ack:case:<id>:reopen-<n>`), unique in the database. Drafting asks the
database which recent complaint cases have none yet, so a crash, a restart or
a second process can neither skip one nor write one twice. None is written to
one of our own mailboxes (drafts/loop_guard): that answer would come back as mail.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mailflow.config.settings import ACKNOWLEDGE_WITHIN, MailboxSettings, Settings
from mailflow.drafts.headers import UnsafeHeader, reply_fields
from mailflow.drafts.loop_guard import loop_reason
from mailflow.drafts.problems import DraftingProblems
from mailflow.drafts.rows import new_draft_row
from mailflow.drafts.templates import TemplateProblem, Templates
from mailflow.inbound.case_states import ack_key
from mailflow.inbound.classify.details import DETAILS
from mailflow.ledger.business_hours import Place, add_business_days, zone

log = logging.getLogger(__name__)
audit = logging.getLogger("mailflow.audit")

ACK_WITHIN = ACKNOWLEDGE_WITHIN  # older complaints (a mailbox's history) are not acknowledged
# A delay's acknowledgement promises a tracking update and the ETA by then.
REPLY_WITHIN_BUSINESS_DAYS = 2

# What a reference is called in the languages mailflow ships templates in; the others read the
# English names, which trade mail uses in any language ("PO 4500123").
_REFERENCE_NAMES = {
    "en": {"po": "PO", "pi": "PI", "contract": "contract", "invoice": "invoice", "bl": "B/L", "container": "container"},
    "zh": {"po": "订单号", "pi": "形式发票号", "contract": "合同号", "invoice": "发票号", "bl": "提单号", "container": "柜号"},
    "es": {
        "po": "pedido", "pi": "factura proforma", "contract": "contrato", "invoice": "factura", "bl": "B/L",
        "container": "contenedor",
    },
}  # fmt: skip


def reference_label(reference: dict[str, str], language: str = "en") -> dict[str, str]:
    """{kind, value} plus how to write it in `language`: "PO 4500123", "合同号 HT-2026-088",
    "pedido 4500123"; the value as the buyer wrote it, and never after its own name ("PO20261102")."""
    names = _REFERENCE_NAMES.get(language, _REFERENCE_NAMES["en"])
    kind, value = reference["kind"], reference["value"]
    name = names.get(kind, kind.upper())
    if value.upper().startswith((name.upper(), name.replace("/", "").upper())):
        return {**reference, "label": value}
    return {**reference, "label": f"{name} {value}"}


def reply_by(now: datetime, team_zone: str) -> str:
    """The ISO date `REPLY_WITHIN_BUSINESS_DAYS` after `now`, Monday to Friday in the team's zone:
    the promise is ours to keep, so our working week counts, not the buyer's holidays."""
    promised = add_business_days(now, REPLY_WITHIN_BUSINESS_DAYS, Place(team_zone, ""))
    return promised.astimezone(zone(team_zone)).date().isoformat()


def complaint_kind(candidate: AckCandidate) -> tuple[str, str]:
    """(category, detail): the case's first category, and the kind the latest message gave it, if any."""
    # The case knows every category the buyer raised; its latest message may only carry photos.
    categories = complaint_categories(candidate)
    category = categories[0] if categories else ""
    stated = {tag.split(":", 1)[1] for tag in candidate.tags if tag.startswith("detail:")}
    detail = next((kind for kind in DETAILS.get(category, ()) if kind in stated), "")
    return category, detail


def complaint_categories(candidate: AckCandidate) -> list[str]:
    """The case's categories ("quality", "shipping"), else its message's complaint tags'."""
    # A reviewer's correction stores "complaint:shipping", the pipeline "shipping": one spelling here.
    named = candidate.case_categories or [tag for tag in candidate.tags if tag.startswith("complaint:")]
    return [category.removeprefix("complaint:") for category in named]


@dataclass(frozen=True)
class AckCandidate:
    """A complaint case without an acknowledgement, with the buyer message to answer."""

    case_id: int
    case_subject: str
    case_severity: str
    case_categories: list[str]
    contact_id: int
    mailbox: str
    message_id: str
    thread_refs: list[str]
    sender: str
    reply_to: str
    subject: str
    body: str
    at: datetime
    tags: list[str]
    reasons: list[str]
    language: str
    references: list[dict[str, str]]
    photos: bool
    customer_id: int
    customer_email: str
    customer_name: str
    customer_company: str
    # An internal notice of the case (drafts/internal) went out or is approved to: the answer may
    # say that production and inspection are looking at it.
    internal_notified: bool = False
    reopened: int = 0  # how often the buyer's mail reopened the case: each time is acknowledged again


def mailbox_context(mailbox: MailboxSettings, company_name: str) -> dict[str, str]:
    """Who writes: the mailbox's identity and signature, as every template sees it."""
    return {
        "name": mailbox.name,
        "address": mailbox.address,
        "display_name": mailbox.display_name,
        "signature": mailbox.signature or mailbox.display_name or company_name,
        "callback_name": mailbox.callback_name,
        "callback_phone": mailbox.callback_phone,
    }


def ack_context(
    candidate: AckCandidate,
    mailbox: MailboxSettings,
    company_name: str,
    language: str = "en",
    reply_by: str = "",
) -> dict[str, Any]:
    """The template's context; `language` is the chosen template's, `reply_by` the ISO date we answer by."""
    categories = complaint_categories(candidate)
    category, detail = complaint_kind(candidate)
    return {
        "customer": {
            "email": candidate.customer_email,
            "name": candidate.customer_name,
            "company": candidate.customer_company,
        },
        "company": {"name": company_name},
        "mailbox": mailbox_context(mailbox, company_name),
        "message": {
            "subject": candidate.subject,
            "text": candidate.body,
            "date": candidate.at.date().isoformat(),
        },
        "category": category,
        "detail": detail,
        "categories": categories,
        "tags": candidate.tags,
        "reasons": candidate.reasons,
        "severity": candidate.case_severity,
        "photos_attached": candidate.photos,
        "references": [reference_label(ref, language) for ref in candidate.references],
        "case": {"id": candidate.case_id, "subject": candidate.case_subject},
        "reply_by": reply_by,
        "internal_notified": candidate.internal_notified,
    }


def ack_draft(
    candidate: AckCandidate, mailbox: MailboxSettings, settings: Settings, templates: Templates, now: datetime
) -> dict[str, Any]:
    """The row of a new acknowledgement draft. Raises TemplateProblem or UnsafeHeader."""
    category, detail = complaint_kind(candidate)
    # `ack.shipping.delay.es` first, then `ack.shipping.es`... (drafts/templates.fallback_chain).
    variant = ".".join(part for part in (category, detail) if part) or None
    name = templates.choose("ack", variant, candidate.language or "en")
    language = name.rsplit(".", 1)[-1]  # references are written in the template's language
    promised = reply_by(now, settings.schedule.default_timezone)
    context = ack_context(candidate, mailbox, settings.replies.company_name, language, promised)
    rendered = templates.render(name, context)
    row = new_draft_row(
        "ack",
        settings.replies.review["ack"],
        mailbox,
        [candidate.reply_to or candidate.sender],
        rendered,
        ack_key(candidate.case_id, candidate.reopened),
        context,
        candidate.customer_id,
        candidate.case_id,
    )
    return {
        **row,
        "contact_id": candidate.contact_id,
        **reply_fields(rendered.subject or candidate.subject, candidate.message_id, candidate.thread_refs),
        "tags": candidate.tags,
        "reasons": candidate.reasons,
    }


def draft_acknowledgements(
    settings: Settings,
    store: Any,
    templates: Templates,
    now: datetime,
    problems: DraftingProblems | None = None,
) -> int:
    """Draft what is due; one bad template or header costs that draft, not the others (see drafts/problems)."""
    created = 0
    failures = (problems or DraftingProblems()).begin("acknowledgements", "no acknowledgement drafted")
    mailboxes = {box.name: box for box in settings.mailboxes}
    own = settings.own_addresses
    for candidate in store.ack_candidates(now - ACK_WITHIN):
        mailbox = mailboxes.get(candidate.mailbox)
        if mailbox is None:
            # Nothing can be sent from it; the case stays due should the mailbox come back.
            log.warning(
                "case %s: mailbox %s is no longer configured; no acknowledgement",
                candidate.case_id,
                candidate.mailbox,
            )
            continue
        loop = loop_reason(candidate.reply_to, candidate.sender, own)
        if loop:
            # The case stays open for a person; only the automatic answer, which would come back, is refused.
            log.warning(
                "case %s: no acknowledgement of <%s> from %s: %s",
                candidate.case_id,
                candidate.message_id,
                candidate.sender,
                loop,
            )
            continue
        if store.is_bounced(candidate.reply_to or candidate.sender):
            log.warning("case %s: %s bounced before; no automatic reply", candidate.case_id, candidate.sender)
            continue
        if store.drafts_to_recipient_since(
            candidate.reply_to or candidate.sender, now - timedelta(days=1)
        ) >= (settings.replies.max_per_sender_per_day):
            log.warning(
                "case %s: %s already got the day's automatic replies", candidate.case_id, candidate.sender
            )
            continue
        try:
            row = ack_draft(candidate, mailbox, settings, templates, now)
        except (TemplateProblem, UnsafeHeader) as exc:
            failures.failed(f"case {candidate.case_id}", exc)
            continue
        if store.create_draft(row):
            created += 1
            audit.info(
                "%s: case %s: %s drafted (%s)",
                row["recipient"],
                candidate.case_id,
                row["template"],
                row["status"],
                extra={"customer": row["recipient"]},
            )
    failures.finish()
    return created
