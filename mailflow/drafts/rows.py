"""A new draft's row: who sends it, to whom, its rendered text, its keys and its review policy.

One shape for every kind (acknowledgements, scheduled mail, the digest); each caller adds
what only its kind has (threading headers, tags, when it may go out).
"""

from __future__ import annotations

from email.utils import formataddr
from typing import Any

from mailflow.config.mailbox import MailboxSettings
from mailflow.drafts.headers import new_message_id, safe_header
from mailflow.drafts.templates import Rendered


def new_draft_row(
    kind: str,
    policy: str,
    mailbox: MailboxSettings,
    recipients: list[str],
    rendered: Rendered,
    key: str,
    context: dict[str, Any],
    customer_id: int | None = None,
    case_id: int | None = None,
    cc: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The row; `policy` "auto" approves it at once. Raises UnsafeHeader for a recipient with CR/LF.

    `cc`: people copied (an escalated reminder's manager): a Cc header and RCPT TOs, never the
    draft's `recipient`, which the per-sender limit and the bounce check go by.
    """
    to = [safe_header(address) for address in recipients]
    return {
        "kind": kind,
        "status": "approved" if policy == "auto" else "pending_review",
        "policy": policy,
        "mailbox": mailbox.name,
        "customer_id": customer_id,
        "case_id": case_id,
        "contact_id": None,
        "from_addr": formataddr((mailbox.display_name, mailbox.address)),
        "recipient": to[0],
        "to_addrs": to,
        "cc_addrs": [safe_header(address) for address in cc if address.lower() not in _lowered(to)],
        "subject": rendered.subject,
        "text": rendered.text,
        "html": rendered.html,
        "in_reply_to": "",
        "thread_refs": [],
        "message_id": new_message_id(mailbox),
        "idempotency_key": key,
        "template": rendered.name,
        "template_inputs": context,
        "tags": [],
        "reasons": [],
    }


def _lowered(addresses: list[str]) -> set[str]:
    """A buyer who is also on the copy list gets the message once, as its recipient."""
    return {address.lower() for address in addresses}
