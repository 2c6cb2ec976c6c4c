"""What mail clients put in front of a subject: reply and forward prefixes, in the languages our buyers use."""

from __future__ import annotations

import re

_REPLY = r"re|aw|antw|rv|res|sv|vs|odp|r|回复|回覆|答复"
_FORWARD = r"fw|fwd|wg|tr|转发|轉寄"
_PREFIX = r"^\s*(?:{words})\s*(?:\[\d+\])?\s*[:：]"

REPLY_PREFIX = re.compile(_PREFIX.format(words=_REPLY), re.IGNORECASE)
REPLY_OR_FORWARD_PREFIX = re.compile(_PREFIX.format(words=f"{_REPLY}|{_FORWARD}"), re.IGNORECASE)


def is_reply(subject: str) -> bool:
    """'Re:', 'AW:', 'RV:', '回复：'... a reply already; a reply to it needs no second prefix."""
    return REPLY_PREFIX.match(subject) is not None


def continues_a_thread(subject: str) -> bool:
    """A reply or a forward: the subject repeats an old thread's words."""
    return REPLY_OR_FORWARD_PREFIX.match(subject) is not None


_TAG = re.compile(r"^\s*\[[^\]]{1,40}\]\s*")  # "[EXTERNAL]", "[SPAM?]" that mail gateways put in front


def thread_subject(subject: str) -> str:
    """The subject a thread keeps: without reply and forward prefixes, gateway tags, case or spacing.

    "RE: AW: [EXTERNAL] Broken  mugs PO 4500123" and "broken mugs po 4500123" are one thread's.
    """
    rest = subject
    while True:
        stripped = REPLY_OR_FORWARD_PREFIX.sub("", _TAG.sub("", rest), count=1)
        if stripped == rest:
            return " ".join(rest.split()).casefold()
        rest = stripped
