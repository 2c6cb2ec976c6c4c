"""The headers of a reply: subject, threading, Message-ID, and the fence against header injection. Pure.

Buyer text copied into a header (the subject, the ids we thread to) must never
carry a line break: it would let a buyer smuggle in a header of their own. It
is checked when a draft is made and again when its bytes are written.
"""

from __future__ import annotations

from email.utils import make_msgid

from mailflow.config.mailbox import MailboxSettings
from mailflow.inbound.parsing.subjects import is_reply

_MAX_REFERENCES = 20


class UnsafeHeader(ValueError):
    """A header value that would let buyer text smuggle in another header."""


def reply_subject(subject: str) -> str:
    """'Re: ' once: a subject that already carries a reply prefix (Re, AW, RV, 回复...) keeps it."""
    subject = safe_header(subject).strip()
    return subject if is_reply(subject) else f"Re: {subject}".rstrip()


def safe_header(value: str, name: str = "header value") -> str:
    if "\r" in value or "\n" in value or "\x00" in value:
        raise UnsafeHeader(f"{name} contains a line break")
    return value


def references_for(message_id: str, thread: list[str]) -> list[str]:
    """The thread's References plus the message we answer, newest last, bounded as clients do."""
    chain = [ref for ref in dict.fromkeys([*thread, message_id]) if ref]
    return chain[-_MAX_REFERENCES:]


def thread_fields(message_id: str, thread: list[str]) -> dict[str, object]:
    """A draft row's threading columns for mail that answers `message_id`: In-Reply-To, References."""
    return {
        "in_reply_to": safe_header(message_id),
        "thread_refs": [safe_header(ref) for ref in references_for(message_id, thread)],
    }


def reply_fields(subject: str, message_id: str, thread: list[str]) -> dict[str, object]:
    """A draft row's threading columns for an answer to `message_id`: subject, In-Reply-To, References."""
    return {"subject": reply_subject(subject), **thread_fields(message_id, thread)}


def new_message_id(mailbox: MailboxSettings) -> str:
    return make_msgid(idstring="mailflow", domain=mailbox.address.rpartition("@")[2]).strip("<>")
