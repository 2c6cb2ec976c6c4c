"""The buyer's confirmation of an agreed solution: a draft threaded on the case.

Agreeing a solution (`mailflow cases agree`, the case's page) writes it in the
same transaction as the case's move. Its idempotency key is
`solution:case:<id>:<n>`, n counting the solutions agreed on the case: a
changed solution is a new confirmation, a repeated command never a second one.
The template is `solution.<kind>.<lang>` in the buyer's language, falling back
to English; the review policy is `[review] solution` (default required).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from babel.numbers import format_currency

from mailflow.config.mailbox import MailboxSettings
from mailflow.config.settings import Settings
from mailflow.drafts.acknowledgements import mailbox_context
from mailflow.drafts.headers import UnsafeHeader, reply_fields
from mailflow.drafts.loop_guard import loop_reason
from mailflow.drafts.rows import new_draft_row
from mailflow.drafts.templates import TemplateProblem, Templates, locale_for
from mailflow.errors import MailflowError
from mailflow.inbound.case_states import Solution


class SolutionNotDrafted(MailflowError):
    """The confirmation cannot be written (no mailbox to send it from, a template problem)."""


@dataclass(frozen=True)
class SolutionCase:
    """A case whose solution was just agreed, with the buyer message the confirmation answers."""

    case_id: int
    case_subject: str
    number: int  # the n-th solution agreed on this case
    solution: Solution
    customer_id: int
    customer_email: str
    customer_name: str
    customer_company: str
    language: str  # the buyer's latest message's, else the customer's
    mailbox: str
    message_id: str
    thread_refs: tuple[str, ...]
    sender: str
    reply_to: str
    subject: str


def solution_key(case_id: int, number: int) -> str:
    return f"solution:case:{case_id}:{number}"


def amount_text(solution: Solution, language: str) -> str:
    """120.5 USD -> 'USD 120.50' in English and Chinese, 'USD 120,50' in Spanish: the ISO code, since
    '$' alone could be any dollar to a buyer abroad, and the digits as the buyer's language writes them."""
    if solution.amount is None:
        return ""
    return str(
        format_currency(solution.amount, solution.currency, "¤¤ #,##0.00", locale=locale_for(language))
    )


def solution_context(
    case: SolutionCase, mailbox: MailboxSettings, company: str, language: str
) -> dict[str, Any]:
    solution = case.solution
    return {
        "customer": {
            "email": case.customer_email,
            "name": case.customer_name,
            "company": case.customer_company,
        },
        "company": {"name": company},
        "mailbox": mailbox_context(mailbox, company),
        "case": {"id": case.case_id, "subject": case.case_subject},
        "solution": {
            "kind": solution.kind,
            "amount": amount_text(solution, language),
            "currency": solution.currency,
            "due": solution.due.isoformat() if solution.due else "",
            "number": case.number,
        },
    }


def solution_draft(case: SolutionCase, settings: Settings, templates: Templates) -> dict[str, Any] | None:
    """The confirmation's draft row; None when it must not be written (our own address: it would
    come back as mail). SolutionNotDrafted says why it cannot be written."""
    mailbox = next((box for box in settings.mailboxes if box.name == case.mailbox), None)
    if mailbox is None:
        raise SolutionNotDrafted(
            f"case {case.case_id}: no configured mailbox to confirm the solution from "
            f"({case.mailbox or 'the buyer never wrote to one'})"
        )
    if loop_reason(case.reply_to, case.sender, settings.own_addresses):
        return None
    try:
        name = templates.choose("solution", case.solution.kind, case.language or "en")
        language = name.rsplit(".", 1)[-1]
        context = solution_context(case, mailbox, settings.replies.company_name, language)
        rendered = templates.render(name, context)
        row = new_draft_row(
            "solution",
            settings.replies.review["solution"],
            mailbox,
            [case.reply_to or case.sender],
            rendered,
            solution_key(case.case_id, case.number),
            context,
            case.customer_id,
            case.case_id,
        )
        return {
            **row,
            **reply_fields(rendered.subject or case.subject, case.message_id, list(case.thread_refs)),
        }
    except (TemplateProblem, UnsafeHeader) as exc:
        raise SolutionNotDrafted(f"case {case.case_id}: the confirmation cannot be written: {exc}") from None
