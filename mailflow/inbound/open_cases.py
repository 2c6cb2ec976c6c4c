"""The cases a batch's messages may continue, read before the batch is written (SQL).

By thread: the cases of the messages a batch's mail names in In-Reply-To and
References. Without threading headers: a buyer's mail may still continue a case
when it comes from the same company, with the same thread subject and a trade
reference in common (batch_rows.subject_case decides); the candidates are the
open cases of the companies that wrote such mail (and those resolved since
`reopen_since`, which a complaint may reopen), with the subjects and references
of their messages. Both read each case's status and resolution with it: deciding
whether mail reopens a case costs no query of its own.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, Text, and_, cast, or_, select
from sqlalchemy.orm import Session

from mailflow.inbound.batch_rows import CaseRow, CustomerRow, OpenCase, company_key, reference_keys
from mailflow.inbound.parsing.subjects import thread_subject
from mailflow.inbound.pipeline import Processed
from mailflow.ledger.companies import company_for
from mailflow.store.models import CLOSED_CASE_STATUSES, Case, Contact, Customer

# What a batch needs of a case it may continue (inbound/batch_rows.CaseRow), then of its customer:
# plain columns, not the Customer entity, which the ORM would build once per row (per message of
# every open case of the batch's companies: 0.4 s of a 5,000-message backlog).
_CASE_COLUMNS = (
    Case.id,
    Case.subject,
    Case.categories,
    Case.severity,
    Case.status,
    Case.resolved_at,
    Customer.id,
    Customer.email,
    Customer.name,
    Customer.company,
    Customer.domain,
)


def load_thread_cases(
    session: Session, processed: Iterable[Processed], customers: dict[str, CustomerRow]
) -> dict[str, CaseRow]:
    """The case of each logged message the batch's mail names, by Message-ID; one CaseRow per case."""
    refs = {ref for item in processed for ref in (item.mail.in_reply_to, *item.mail.references) if ref}
    if not refs:
        return {}
    rows = session.execute(
        select(Contact.message_id, *_CASE_COLUMNS)
        .join(Case, Contact.case_id == Case.id)
        .join(Customer, Case.customer_id == Customer.id)
        .where(Contact.message_id.in_(refs))
        .order_by(Contact.id)
    )
    by_id: dict[int, CaseRow] = {}
    by_message: dict[str, CaseRow] = {}
    for message_id, case_id, subject, categories, severity, status, resolved_at, *customer in rows:
        owner = _customer_row(customers, *customer)
        row = CaseRow(
            owner, subject, list(categories), severity, case_id, status=status, resolved_at=resolved_at
        )
        by_message[message_id] = by_id.setdefault(case_id, row)
    return by_message


def _customer_row(
    customers: dict[str, CustomerRow], customer_id: int, email: str, name: str, company: str, domain: str
) -> CustomerRow:
    """The batch's row for a stored customer: one per address, shared by its cases and messages."""
    found = customers.get(email)
    if found is None:
        found = customers[email] = CustomerRow(email, name, company, domain, id=customer_id)
    return found


def load_open_cases(
    session: Session,
    unthreaded: Iterable[Processed],
    customers: dict[str, CustomerRow],
    known: dict[int, CaseRow],
    reopen_since: datetime | None = None,
) -> dict[str, list[OpenCase]]:
    """Open cases by company key, oldest first, and those resolved since `reopen_since`; `known`
    (by id) keeps one CaseRow per case in the batch."""
    domains: set[str] = set()
    emails: set[str] = set()
    for item in unthreaded:
        sender = item.counterpart
        if item.direction != "in" or sender is None or not item.classification.references:
            continue
        if company_for(sender.domain):
            domains.add(sender.domain)
        else:
            emails.add(sender.email)
    if not domains and not emails:
        return {}
    chosen = (
        _open_or_reopenable(reopen_since),
        or_(Customer.domain.in_(domains), Customer.email.in_(emails)),
    )
    cases = session.execute(
        select(*_CASE_COLUMNS)
        .join(Customer, Case.customer_id == Customer.id)
        .where(*chosen)
        .order_by(Case.id)
    )
    found: dict[int, OpenCase] = {}
    by_company: dict[str, list[OpenCase]] = {}  # oldest first: the cases come by id
    for case_id, case_subject, categories, severity, status, resolved, *customer in cases:
        owner = _customer_row(customers, *customer)
        row = CaseRow(
            owner, case_subject, list(categories), severity, case_id, status=status, resolved_at=resolved
        )
        entry = found[case_id] = OpenCase(
            known.setdefault(case_id, row), {thread_subject(case_subject)} - {""}
        )
        # Its stored email and domain.
        by_company.setdefault(company_key(customer[1], customer[4]), []).append(entry)
    _add_messages(session, found, chosen)
    return by_company


def _add_messages(
    session: Session, found: dict[int, OpenCase], chosen: tuple[ColumnElement[bool], ...]
) -> None:
    """Each case's message subjects and references: each distinct pair once, not once per message
    (a long case's messages mostly repeat them; JSON has no equality in PostgreSQL, its text has).

    The cases are chosen again by the same conditions, not by a list of their ids: an IN list of
    thousands of ids, another length each batch, is another SQLite statement each time, and
    sqlite3 keeps the last 128 prepared (60 MB more at 20,000 messages in bench/memory.py)."""
    if not found:
        return
    refs_text = cast(Contact.trade_refs, Text)
    rows = session.execute(
        select(Contact.case_id, Contact.subject, refs_text)
        .distinct()
        .join(Case, Contact.case_id == Case.id)
        .join(Customer, Case.customer_id == Customer.id)
        .where(*chosen)
    )
    subjects: dict[str, str] = {}  # a case's messages mostly share one subject: normalised once
    references: dict[str, set[str]] = {}
    for case_id, subject, refs in rows:
        entry = found.get(case_id or 0)
        if entry is None:
            continue  # a case another worker opened between the two statements: the next batch sees it
        if subject:
            normalised = subjects.get(subject)
            if normalised is None:
                normalised = subjects[subject] = thread_subject(subject)
            if normalised:
                entry.subjects.add(normalised)
        if refs and refs != "[]":
            keys = references.get(refs)
            if keys is None:
                keys = references[refs] = reference_keys(json.loads(refs))
            entry.references |= keys


def _open_or_reopenable(reopen_since: datetime | None) -> ColumnElement[bool]:
    still_open = Case.status.not_in(CLOSED_CASE_STATUSES)
    if reopen_since is None:
        return still_open
    return or_(still_open, and_(Case.status == "resolved", Case.resolved_at >= reopen_since))
