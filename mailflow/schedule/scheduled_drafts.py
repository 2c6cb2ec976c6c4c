"""A due item -> the row of its draft: the template's context, the rendering, the headers.

The context is the contract with template authors (drafts/template_check.py holds a
sample of each kind). Amounts are written in the invoice's currency the way
the buyer's language writes them (Babel); dates are ISO 8601, which no
reader misreads. Follow-ups and satisfaction checks continue the case's thread;
updates and reminders start their own.
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from babel.numbers import format_currency

from mailflow.config.settings import MailboxSettings, Settings
from mailflow.drafts.acknowledgements import mailbox_context, reference_label
from mailflow.drafts.headers import reply_fields
from mailflow.drafts.rows import new_draft_row
from mailflow.drafts.templates import Templates, locale_for
from mailflow.schedule.planner import Due
from mailflow.schedule.store import Thread
from mailflow.store.models import Case, Invoice


def money(amount: Decimal, currency: str, language: str) -> str:
    """12345.5 EUR -> '12.345,50 €' for a German reader, '€12,345.50' for an English one."""
    return str(format_currency(amount, currency, locale=locale_for(language)))


_BARE_NUMBER = re.compile(r"^\s*\d[\d\s\-/.]*$")


def order_label(order_ref: str, language: str) -> str:
    """The invoice's order as a reminder writes it: a bare number gets its kind ("PO 4500789",
    "订单号 4500789", "pedido 4500789"); anything else as the ledger has it ("PO20261102", "HT-88")."""
    if _BARE_NUMBER.match(order_ref):
        return reference_label({"kind": "po", "value": order_ref.strip()}, language)["label"]
    return order_ref


def invoice_context(invoice: Invoice, language: str, today: date) -> dict[str, Any]:
    balance = max(invoice.amount - invoice.paid_amount, Decimal("0"))
    return {
        "number": invoice.number,
        "amount": money(invoice.amount, invoice.currency, language),
        "paid": money(invoice.paid_amount, invoice.currency, language),
        "balance": money(balance, invoice.currency, language),
        "currency": invoice.currency,
        "issued": invoice.issued.isoformat(),
        "due": invoice.due.isoformat(),
        "days_overdue": max((today - invoice.due).days, 0),
        "order_ref": order_label(invoice.order_ref, language),
        "partly_paid": bool(invoice.paid_amount),
    }


def case_context(case: Case) -> dict[str, Any]:
    return {
        "id": case.id,
        "subject": case.subject,
        "status": case.status,
        "categories": list(case.categories),
    }


@functools.lru_cache(maxsize=256)
def news_for(directory: Path, week: str) -> str:
    """The team's news for an ISO week (news/2026-W48.md); none that week is no error."""
    try:
        return (directory / f"{week}.md").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


class MailWriter:
    """Renders due items into draft rows; one bad template costs its item, not the tick."""

    def __init__(self, settings: Settings, templates: Templates) -> None:
        self.settings = settings
        self.templates = templates
        self.mailboxes = {box.name: box for box in settings.mailboxes}
        self.default = scheduled_mailbox(settings)
        self.levels = {level.offset_days: level for level in settings.schedule.ladder}

    def row(
        self,
        item: Due,
        customer: dict[str, Any],
        language: str,
        extra: dict[str, Any],
        thread: Thread | None = None,
    ) -> dict[str, Any]:
        """The draft row of one item. Raises TemplateProblem or UnsafeHeader."""
        mailbox = self.mailboxes.get(thread.mailbox, self.default) if thread else self.default
        cc: tuple[str, ...] = ()
        if item.kind == "reminder":
            mailbox, cc, extra = self._escalation(item, mailbox, extra)
        context = {
            "customer": customer,
            "company": {"name": self.settings.replies.company_name},
            "mailbox": mailbox_context(mailbox, self.settings.replies.company_name),
            **extra,
        }
        name = self.templates.choose(item.kind, item.template or None, language)
        rendered = self.templates.render(name, context)
        row = new_draft_row(
            item.kind,
            item.policy,
            mailbox,
            list(thread.to) if thread else [customer["email"]],
            rendered,
            item.key,
            context,
            item.customer_id,
            item.case_id,
            cc=cc,
        )
        row["scheduled_for"] = item.due_at
        row["next_attempt_at"] = item.due_at  # the sender does not take it before then
        if thread is not None:
            row.update(reply_fields(thread.subject, thread.message_id, list(thread.references)))
        return row

    def _escalation(
        self, item: Due, mailbox: MailboxSettings, extra: dict[str, Any]
    ) -> tuple[MailboxSettings, tuple[str, ...], dict[str, Any]]:
        """A reminder level's identity and copies: an escalation goes from its own mailbox (its SMTP
        account, Sent folder and signature) and copies whom it names. When it is due stays the
        planner's: the buyer's business hours, whoever signs."""
        level = self.levels.get(reminder_offset(item))
        cc: tuple[str, ...] = ()
        if level is not None:
            mailbox, cc = self.mailboxes.get(level.sender, mailbox), level.cc
        if "level" in extra:  # a template may say who is copied: level.cc
            extra = {**extra, "level": {**extra["level"], "cc": list(cc)}}
        return mailbox, cc, extra


def scheduled_mailbox(settings: Settings) -> MailboxSettings:
    named = settings.schedule.mailbox
    for box in settings.mailboxes:
        if box.name == named:
            return box
    sending = [box for box in settings.mailboxes if box.smtp is not None]
    return (sending or list(settings.mailboxes))[0]


def reminder_offset(item: Due) -> int:
    """A reminder's ladder level: the offset_days its key ends with (reminder:<invoice>:<+offset>)."""
    return int(item.key.rpartition(":")[2])


def reminder_extra(invoice: Invoice, item: Due, language: str, now: datetime) -> dict[str, Any]:
    return {
        "invoice": invoice_context(invoice, language, now.date()),
        "level": {"offset": reminder_offset(item), "name": item.template},
    }
