"""What one processed message becomes in the database, as plain rows. Pure: no session, no I/O.

The batch writer (batch_writer.py) reads what it needs, asks here what each
message produces (its customer, its complaint case, its contact row, its
attachment rows) and writes the rows in a handful of statements. Customers
and cases are mutable rows because the writer fills in their ids, and one
batch may name the same buyer or the same case many times.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mailflow.config.cases import DEFAULT_CASES, CaseSettings
from mailflow.config.rules import SEVERITY_ORDER
from mailflow.inbound.case_states import may, transition
from mailflow.inbound.classify.classifier import is_photo
from mailflow.inbound.parsing.subjects import thread_subject
from mailflow.inbound.pipeline import Processed
from mailflow.ledger.companies import company_for

# Tags whose messages a reviewer reads beside a draft: their whole text is kept.
_ANSWERED = ("complaint:", "payment:")


@dataclass
class CustomerRow:
    email: str
    name: str
    company: str
    domain: str
    id: int | None = None
    renamed: bool = False


@dataclass
class CaseRow:
    customer: CustomerRow
    subject: str
    categories: list[str]
    severity: str
    id: int | None = None
    changed: bool = False
    status: str = "open"
    resolved_at: datetime | None = None
    # The buyer's complaint reopens this resolved case: written with a conditional UPDATE and
    # a "reopened" event in the case's timeline (batch_writer), then cleared.
    reopening: bool = False
    reopened_by: str = ""  # the Message-ID of the mail that reopened it
    # A new case from history: opened when the buyer wrote, not when mailflow read it; and, when
    # that is older than [cases] history_open_days, closed at once for this reason (batch_writer
    # records it as a "resolved" event; resolved_at stays unknown, so no satisfaction check).
    opened_at: datetime | None = None
    closed_reason: str = ""


@dataclass
class PendingContact:
    row: dict[str, Any]
    customer: CustomerRow | None
    case: CaseRow | None
    direction: str
    attachments: list[dict[str, Any]] = field(default_factory=list)


def customer_for(
    item: Processed, customers: dict[str, CustomerRow], colleagues: frozenset[str] = frozenset()
) -> CustomerRow | None:
    """The buyer a message is with, from the batch's known customers or new; a name fills a blank one.

    None for a colleague (Settings.colleague_addresses): QC answering an internal notice is no buyer.
    """
    address = item.counterpart
    if address is None or address.email.lower() in colleagues:
        return None
    customer = customers.get(address.email)
    if customer is None:
        customer = CustomerRow(address.email, address.name, company_for(address.domain), address.domain)
        customers[address.email] = customer
    elif not customer.name and address.name:
        customer.name, customer.renamed = address.name, True
    return customer


def thread_case(item: Processed, cases_by_message: dict[str, CaseRow]) -> CaseRow | None:
    """The case of the latest message in this one's thread that has a case."""
    thread = [ref for ref in (item.mail.in_reply_to, *item.mail.references) if ref]
    return next((cases_by_message[ref] for ref in reversed(thread) if ref in cases_by_message), None)


@dataclass
class OpenCase:
    """An open case as a message without threading headers may continue it."""

    case: CaseRow
    subjects: set[str] = field(default_factory=set)  # thread_subject() of its messages
    references: set[str] = field(default_factory=set)  # reference_keys() of its messages


def company_key(email: str, domain: str) -> str:
    """Colleagues share a company domain; on free mail, only the same address is the same buyer."""
    return company_for(domain) or email


def reference_keys(references: Iterable[Mapping[str, str]]) -> set[str]:
    """`po:4500123` for "PO 4500123", "PO-4500123" or "po4500123": how a buyer spells it does not matter."""
    keys = set()
    for ref in references:
        value = _NOT_ALNUM.sub("", ref["value"]).upper()
        kind = ref["kind"].upper()
        keys.add(f"{ref['kind']}:{value.removeprefix(kind) or value}")
    return keys


_NOT_ALNUM = re.compile(r"[\W_]+")


def subject_case(item: Processed, open_cases: Mapping[str, list[OpenCase]]) -> CaseRow | None:
    """The open case of the sender's company with this thread subject and a trade reference in common.

    Webmail, phones and a colleague's forward drop In-Reply-To: the buyer's
    second mail, "Re: <subject>" naming the same PO, still continues the case,
    and its photos reach it. All three must agree, so an unrelated mail with a
    common subject ("Order") never lands in someone's case.
    """
    sender = item.counterpart
    if item.direction != "in" or sender is None:
        return None
    references = reference_keys(_references(item))
    subject = thread_subject(item.mail.subject)
    if not references or not subject:
        return None
    for candidate in reversed(open_cases.get(company_key(sender.email, sender.domain), [])):
        if subject in candidate.subjects and references & candidate.references:
            return candidate.case
    return None


def remember_open_case(open_cases: dict[str, list[OpenCase]], item: Processed, case: CaseRow) -> None:
    """What later messages of the batch may join this case by: its company, subject and references."""
    key = company_key(case.customer.email, case.customer.domain)
    known = next((entry for entry in open_cases.get(key, []) if entry.case is case), None)
    if known is None:
        known = OpenCase(case)
        open_cases.setdefault(key, []).append(known)
    if subject := thread_subject(item.mail.subject):
        known.subjects.add(subject)
    known.references |= reference_keys(_references(item))


def _references(item: Processed) -> list[dict[str, str]]:
    return [{"kind": ref.kind, "value": ref.value} for ref in item.classification.references]


def case_for(
    item: Processed,
    customer: CustomerRow | None,
    thread_case: CaseRow | None,
    cases: CaseSettings = DEFAULT_CASES,
    now: datetime | None = None,
) -> CaseRow | None:
    """The case a message belongs to: its thread's, merged with its own complaint, or a new one.

    A buyer's complaint in a thread that has a case adds its categories and may
    raise the severity; one outside any case opens a new case. A complaint on a
    resolved case within [cases] reopen_days of its resolution reopens it: it
    was not solved. Later, it opens a new case; history (old mail read at the
    first sync) stays with its closed case. Everything else stays with its
    thread's case, if any. A new case from old history opens closed (_new_case).
    """
    result = item.classification
    categories = [tag.split(":", 1)[1] for tag in result.tags if tag.startswith("complaint:")]
    if item.direction != "in" or not categories or customer is None:
        return thread_case
    history = item.arrival is not None and item.arrival.history
    if thread_case is not None and may(thread_case.status, "reopen") and not history:
        if not _reopens(item, thread_case, timedelta(days=cases.reopen_days), now):
            return _new_case(item, customer, categories, cases, now)
        thread_case.status, thread_case.reopening = transition(thread_case.status, "reopen"), True
        thread_case.reopened_by = item.mail.message_id
    if thread_case is None:
        return _new_case(item, customer, categories, cases, now)
    merged = sorted(set(thread_case.categories) | set(categories))
    if merged != thread_case.categories:
        thread_case.categories, thread_case.changed = merged, True
    if SEVERITY_ORDER[result.severity] > SEVERITY_ORDER.get(thread_case.severity, 0):
        thread_case.severity, thread_case.changed = result.severity, True
    return thread_case


def _new_case(
    item: Processed, customer: CustomerRow, categories: list[str], cases: CaseSettings, now: datetime | None
) -> CaseRow:
    case = CaseRow(customer, item.mail.subject, categories, item.classification.severity)
    if item.arrival is None or not item.arrival.history:
        return case
    # When the buyer wrote: the server's date, else (a server that gives none) the mail's own.
    case.opened_at = item.arrival.arrived or item.mail.date
    limit = timedelta(days=cases.history_open_days)
    if limit and now is not None and case.opened_at is not None and now - case.opened_at > limit:
        case.status = transition(case.status, "resolve")
        case.closed_reason = (
            f"history: the buyer wrote on {case.opened_at:%Y-%m-%d}, more than {cases.history_open_days}"
            " days before mailflow read it ([cases] history_open_days)"
        )
    return case


def _reopens(item: Processed, case: CaseRow, within: timedelta, now: datetime | None) -> bool:
    """A person's complaint that reached us within `within` of the resolution; never a robot's
    mail (nor history: case_for keeps it with its case)."""
    arrival = item.arrival
    if within <= timedelta(0) or case.resolved_at is None or item.verdict.automatic:
        return False
    arrived = (arrival.arrived if arrival else None) or now
    return arrived is not None and arrived - case.resolved_at <= within


def contact_row(item: Processed, location: tuple[str, str, int], now: datetime) -> dict[str, Any]:
    """The contact log's row for a message found at (mailbox, folder, uidvalidity)."""
    mail, result, arrival = item.mail, item.classification, item.arrival
    mailbox, folder, uidvalidity = location
    reviewed = item.direction == "in" and any(tag.startswith(_ANSWERED) for tag in result.tags)
    return {
        "direction": item.direction,
        "mailbox": mailbox,
        "folder": folder,
        "uidvalidity": uidvalidity,
        "uid": item.uid,
        "dedupe_key": mail.dedupe_key,
        "message_id": mail.message_id,
        "in_reply_to": mail.in_reply_to,
        "thread_refs": list(mail.references),
        "sender": mail.sender.email if mail.sender else "",
        "reply_to": mail.reply_to.email if mail.reply_to else "",
        "subject": mail.subject,
        "body": mail.new_text,
        # The whole message only where a reviewer will read it beside a draft: most mail
        # is never answered, and its history is already in earlier contacts.
        "full_text": mail.full_text if reviewed else "",
        "html": mail.html if reviewed else "",
        "at": mail.date or now,
        "tags": list(result.tags),
        "reasons": [hit.reason for hit in result.hits]
        + list(item.verdict.reasons if item.verdict.automatic else ()),
        "severity": result.severity,
        "language": result.language,
        "trade_refs": [{"kind": ref.kind, "value": ref.value} for ref in result.references],
        "automatic": item.verdict.automatic,
        "arrived_at": (arrival.arrived if arrival else None) or now,
        "history": arrival.history if arrival else False,
        "created_at": now,
    }


def attachment_rows(item: Processed, stored: dict[str, bool]) -> list[dict[str, Any]]:
    """One row per attachment; `stored` says, per SHA-256, whether its bytes are on disk."""
    return [
        {
            "filename": attachment.filename,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "sha256": attachment.sha256,
            "stored": stored.get(attachment.sha256, False),
            "is_photo": is_photo(attachment),
        }
        for attachment in item.mail.attachments
    ]
